#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The README's screenshot is the app's own rendering of the demo (120×30), kept current:
//! this test renders it and compares. Regenerate with `UPDATE_README=1 cargo test --test
//! readme_screenshot`.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{ApiKey, Client, ClientConfig};
use lead_triage::app::state::LoadState;
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::sync::backoff::Jitter;
use puffle_demo_server::{self as demo_server, ServerConfig};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const START: &str = "<!-- screenshot:start -->";
const END: &str = "<!-- screenshot:end -->";

async fn render_demo() -> String {
    let server = demo_server::start(ServerConfig::default()).await.unwrap();
    let key = ApiKey::new(server.api_key()).unwrap();
    let client = Client::new(
        ClientConfig::new(&server.base_url(), key)
            .map(ClientConfig::unpaced)
            .unwrap(),
    )
    .unwrap();
    let settings = Settings {
        debounce: Duration::from_secs(3600),
        source: "demo: built-in server, no account".into(),
        ..Settings::default()
    };
    let mut r = Runner::new(
        client,
        State::new(settings, Keymap::default_keymap(), Jitter::seeded(1)),
        None,
    );
    r.apply(Msg::Resize(120, 30));
    r.start();
    assert!(
        r.run_until(Duration::from_secs(60), |s| s.data().load
            == LoadState::Loaded)
            .await
    );
    for c in ['j', 'j', 'j', 'j', 'x', 'x', 'x', 'd'] {
        r.apply(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    t.draw(|f| {
        lead_triage::ui::draw(f, &r.state);
    })
    .unwrap();
    let buf = t.backend().buffer();
    let mut lines = Vec::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
        }
        lines.push(line.trim_end().to_owned());
    }
    lines.join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_screenshot_is_the_apps_own_rendering() {
    let shot = render_demo().await;
    let block = format!("{START}\n```text\n{shot}\n```\n{END}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md has no screenshot markers");
    };
    let current = &readme[a..b + END.len()];
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{block}{}", &readme[..a], &readme[b + END.len()..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    assert_eq!(
        current, block,
        "run UPDATE_README=1 cargo test --test readme_screenshot"
    );
}
