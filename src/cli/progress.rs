//! A progress bar on standard error for long runs; silent when stderr is not a terminal.

use std::io::IsTerminal as _;
use std::sync::atomic::Ordering;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use threatlens::engine::scan::ScanProgress;

/// Draws `progress` until dropped.
pub struct ProgressDisplay {
    bar: ProgressBar,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl ProgressDisplay {
    /// Starts drawing when stderr is a terminal and `quiet` is off; otherwise draws nothing.
    pub fn start(progress: std::sync::Arc<ScanProgress>, total_bytes: u64, quiet: bool) -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Self {
                bar: ProgressBar::hidden(),
                stop,
                ticker: None,
            };
        }

        let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let ticker = {
            let bar = bar.clone();
            let stop = std::sync::Arc::clone(&stop);
            std::thread::Builder::new()
                .name("progress".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        bar.set_position(progress.bytes_read.load(Ordering::Relaxed));
                        bar.set_message(format!(
                            "{} events",
                            progress.events.load(Ordering::Relaxed)
                        ));
                        std::thread::sleep(Duration::from_millis(100));
                    }
                })
                .ok()
        };
        Self { bar, stop, ticker }
    }
}

impl Drop for ProgressDisplay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
        self.bar.finish_and_clear();
    }
}
