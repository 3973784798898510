//! Progress bars for long imports (indicatif). Hidden automatically when stderr is not a
//! terminal or when the caller asks for quiet output, so logs and CI stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Creates a row counter for one file.
pub fn rows(label: &str, show: bool) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    if !show || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        // No ticker thread either: joining it costs up to one tick per file.
        bar.set_draw_target(ProgressDrawTarget::hidden());
        return bar;
    }
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {human_pos} rows ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(label.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Creates a bar counting `total` steps (index versions).
pub fn steps(label: &str, total: u64, show: bool) -> ProgressBar {
    if !show || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(label.to_string());
    bar
}
