//! Reading the pty's screen: the hint bar, the help overlay's position, whole popups, the
//! cursor's row, and what changes from run to run made stable for snapshots.

/// The last line: the hint bar.
pub fn hint_bar(screen: &str) -> String {
    screen.lines().last().unwrap_or_default().to_string()
}

/// The hint bar's items (`key text`), split on the double spaces between them.
pub fn hint_items(screen: &str) -> Vec<String> {
    hint_bar(screen)
        .split("  ")
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .collect()
}

/// The screen with what changes from run to run (times) made stable, for snapshots.
pub fn stable(screen: &str) -> String {
    screen
        .lines()
        .map(|l| {
            let mut out = String::new();
            let mut digits = false;
            for c in l.chars() {
                if c.is_ascii_digit() && l.contains(" ago") {
                    if !digits {
                        out.push('N');
                    }
                    digits = true;
                } else {
                    digits = false;
                    out.push(c);
                }
            }
            out.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The help overlay's position note (` 1–40 of 120 `), empty when it shows everything.
pub fn position(screen: &str) -> String {
    let Some(line) = screen
        .lines()
        .find(|l| l.contains('└') && l.contains(" of "))
    else {
        return String::new();
    };
    let end = line.rfind(" of ").map_or(0, |i| i + 4);
    let start = line[..end].rfind('─').map_or(0, |i| i + '─'.len_utf8());
    let tail: String = line[end..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    format!("{}{tail} ", &line[start..end])
}

/// Is the popup whose top border holds `title` drawn whole: every line below its top border
/// has both side borders, down to its bottom border? (A frame can arrive in pieces.)
pub fn boxed(screen: &str, title: &str) -> bool {
    let mut lines = screen.lines().skip_while(|l| !l.contains(title));
    if lines.next().is_none() {
        return false;
    }
    for line in lines {
        if line.contains('└') && line.contains('┘') {
            return true;
        }
        if line.matches('│').count() < 2 {
            return false;
        }
    }
    false
}

/// The row the header says the cursor is on.
pub fn row(screen: &str) -> usize {
    let line = screen.lines().next().unwrap_or_default();
    let part = line.split("│ row ").nth(1).unwrap_or_default();
    part.split(' ')
        .next()
        .unwrap_or_default()
        .parse()
        .unwrap_or(0)
}
