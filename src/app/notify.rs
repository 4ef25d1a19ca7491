//! Messages for the user: errors and news that must reach the window, not only the terminal.

use std::time::Instant;

/// How many messages are kept; older ones drop off.
const MAX_NOTICES: usize = 50;

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// News ("read 3 files").
    Info,
    /// Something went wrong but work went on.
    Warning,
    /// Something the user asked for failed.
    Error,
}

/// One message.
#[derive(Debug, Clone)]
pub struct Notice {
    /// How serious.
    pub level: Level,
    /// The text, with any path last.
    pub text: String,
    /// When it was posted.
    pub at: Instant,
}

/// The messages shown in the notification area, newest last.
#[derive(Debug, Default)]
pub struct Notifications {
    /// The messages.
    pub notices: Vec<Notice>,
}

impl Notifications {
    /// Posts a message (also to the log, at the matching level).
    pub fn push(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        match level {
            Level::Info => tracing::info!("{text}"),
            Level::Warning => tracing::warn!("{text}"),
            Level::Error => tracing::error!("{text}"),
        }
        self.notices.push(Notice {
            level,
            text,
            at: Instant::now(),
        });
        if self.notices.len() > MAX_NOTICES {
            let extra = self.notices.len() - MAX_NOTICES;
            self.notices.drain(..extra);
        }
    }

    /// Posts news.
    pub fn info(&mut self, text: impl Into<String>) {
        self.push(Level::Info, text);
    }

    /// Posts a failure.
    pub fn error(&mut self, text: impl Into<String>) {
        self.push(Level::Error, text);
    }

    /// Posts a warning.
    pub fn warn(&mut self, text: impl Into<String>) {
        self.push(Level::Warning, text);
    }

    /// Errors and warnings posted so far.
    pub fn problems(&self) -> impl Iterator<Item = &Notice> {
        self.notices
            .iter()
            .filter(|notice| notice.level != Level::Info)
    }
}
