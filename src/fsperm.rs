//! Private files and directories: the store, the log and exports hold lead data (names,
//! emails) and must not be readable by other users of the machine.
//!
//! Creating a file with mode 0600 in a 0700 directory only protects new files; these helpers
//! also tighten ones that already exist (left open by an older version, or by the user), and
//! never touch a directory owned by someone else. On other platforms they only create the
//! directory.

use std::io;
use std::path::Path;

/// Mode of private directories.
pub const DIR_MODE: u32 = 0o700;

/// Mode of private files.
pub const FILE_MODE: u32 = 0o600;

/// The effective user id of this process.
#[cfg(unix)]
fn euid() -> u32 {
    unsafe extern "C" {
        fn geteuid() -> u32;
    }
    // SAFETY: `geteuid` takes no argument, cannot fail and has no side effect (POSIX).
    unsafe { geteuid() }
}

/// Make `dir` a private directory: create it (and missing parents) with mode 0700, or, if it
/// exists and belongs to this user, set its mode to 0700. An empty path (the current
/// directory of a relative file name) is left alone, and so is a directory of another user.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = std::fs::metadata(dir)?;
        if meta.uid() == euid() && meta.mode() & 0o777 != DIR_MODE {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
        }
    }
    Ok(())
}

/// Set an existing file of this user to mode 0600; a missing file is not an error.
pub fn private_file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if meta.is_file() && meta.uid() == euid() && meta.mode() & 0o777 != FILE_MODE {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Create a new file (never an existing one) with mode 0600, whatever the umask.
pub fn create_new_private(path: &Path) -> io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, FILE_MODE);
    let file = opts.open(path)?;
    // The umask can only narrow the mode given at creation; make it exactly 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(file)
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn creates_missing_directories_0700() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
    }

    #[test]
    fn tightens_an_existing_open_directory_and_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("open");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, b"x").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_dir(&dir).unwrap();
        private_file(&file).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"x", "contents untouched");
    }

    #[test]
    fn a_missing_file_and_the_empty_path_are_fine() {
        let tmp = tempfile::tempdir().unwrap();
        private_file(&tmp.path().join("none")).unwrap();
        assert!(!tmp.path().join("none").exists(), "not created");
        private_dir(Path::new("")).unwrap();
    }

    #[test]
    fn new_private_files_are_0600_and_never_replace_one() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("new");
        create_new_private(&p).unwrap();
        assert_eq!(mode(&p), 0o600);
        let err = create_new_private(&p).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "never overwrites");
    }
}
