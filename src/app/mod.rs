//! The desktop app: state, commands and background jobs, driven by eframe.
//!
//! Each frame the app polls its jobs, reads window input (dropped files, shortcuts,
//! screenshots), lets the views in [`crate::ui`] draw and post [`AppCommand`]s, then carries
//! the commands out. Workers wake the window with `request_repaint` when they have news; while
//! a scan runs the window also repaints a few times a second to move the progress bars.

pub mod case;
pub mod command;
pub mod dialogs;
pub mod export;
pub mod insight;
pub mod jobs;
pub mod launch;
pub mod machine_logs;
pub mod notify;
pub mod settings;
pub mod state;
pub mod work;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::ingest::IngestOptions;

pub use command::{AppCommand, PlotKind, View};
pub use state::{AppState, AttackState};

use jobs::JobPoll;
use settings::{SETTINGS_KEY, Settings, ThemeChoice};

/// How often the window redraws while a scan runs, for its progress bars.
const PROGRESS_REPAINT: Duration = Duration::from_millis(150);

/// The screenshot tag of plot exports.
const PLOT_SCREENSHOT_TAG: &str = "threatlens-plot-export";

/// How the app starts.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Log files and folders to open at once.
    pub open: Vec<PathBuf>,
    /// ATT&CK bundles to load (empty: `THREATLENS_ATTACK`, then the cache).
    pub attack_files: Vec<PathBuf>,
    /// How logs are read.
    pub ingest: IngestOptions,
}

/// The eframe application.
#[derive(Debug)]
pub struct App {
    /// Everything the app holds; public so tests can look inside.
    pub state: AppState,
    applied_theme: Option<ThemeChoice>,
}

impl App {
    /// Builds the app, restoring settings and starting ATT&CK loading and any opening.
    pub fn new(creation: &eframe::CreationContext<'_>, options: AppOptions) -> Self {
        let settings: Settings = creation
            .storage
            .and_then(|storage| eframe::get_value(storage, SETTINGS_KEY))
            .unwrap_or_default();
        let context = creation.egui_ctx.clone();
        let wake: jobs::Wake = Arc::new(move || context.request_repaint());

        let mut state = AppState::new(settings, options.ingest, wake);
        state.load_attack(options.attack_files);
        if !options.open.is_empty() {
            state.commands.push(AppCommand::OpenLogs(options.open));
        }
        Self {
            state,
            applied_theme: None,
        }
    }

    /// Runs a command as if a view had posted it (for tests and the command line).
    pub fn command(&mut self, command: AppCommand) {
        self.state.commands.push(command);
    }

    /// True while a scan, an ATT&CK load, an evidence read or a plot export is in progress.
    pub fn is_busy(&self) -> bool {
        self.state.scan.is_some()
            || !self.state.queued_paths.is_empty()
            || self.state.attack_job.is_some()
            || self.state.evidence.job.is_some()
            || self.state.plot_export.is_some()
            || self.state.export_job.is_some()
            || !self.state.commands.is_empty()
    }

    fn apply_theme(&mut self, context: &egui::Context) {
        let wanted = self.state.settings.theme;
        if self.applied_theme == Some(wanted) {
            return;
        }
        context.set_theme(match wanted {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        });
        self.applied_theme = Some(wanted);
    }

    fn poll_jobs(&mut self) {
        let state = &mut self.state;
        if let Some(scan) = &mut state.scan {
            match scan.job.poll() {
                JobPoll::Running => {}
                JobPoll::Done(Ok(outcome)) => {
                    let found = outcome.detections.len();
                    let mut unread = 0;
                    for report in &outcome.files {
                        if let Some(failure) = &report.failure {
                            unread += 1;
                            state
                                .notifications
                                .error(format!("{failure}: {}", report.path.display()));
                        }
                    }
                    let read = outcome.files.len() - unread;
                    state.case.add_outcome(outcome);
                    state.selected = None;
                    state.notifications.info(format!(
                        "read {read} file(s), {unread} not readable: {found} detection(s), {} \
                         in the case",
                        state.case.detections.len()
                    ));
                    state.scan = None;
                }
                JobPoll::Done(Err(error)) => {
                    state
                        .notifications
                        .error(format!("reading logs failed: {error:#}"));
                    state.scan = None;
                }
                JobPoll::Lost => {
                    state
                        .notifications
                        .error("reading logs failed: the worker stopped");
                    state.scan = None;
                }
            }
        }
        if state.scan.is_none() && !state.queued_paths.is_empty() {
            let paths = std::mem::take(&mut state.queued_paths);
            state.open_logs(paths);
        }

        if let Some(job) = &mut state.attack_job {
            match job.poll() {
                JobPoll::Running => {}
                JobPoll::Done(Ok(Some(loaded))) => {
                    state.attack = AttackState::Ready(Arc::new(loaded));
                    state.attack_job = None;
                    state.insight = None;
                    state.case_groups = None;
                }
                JobPoll::Done(Ok(None)) => {
                    state.attack = AttackState::Missing;
                    state.attack_job = None;
                }
                JobPoll::Done(Err(reason)) => {
                    state.notifications.error(reason.clone());
                    state.attack = AttackState::Failed(reason);
                    state.attack_job = None;
                }
                JobPoll::Lost => {
                    state.attack = AttackState::Failed("ATT&CK loading stopped".into());
                    state.attack_job = None;
                }
            }
        }

        if let Some(job) = &mut state.evidence.job {
            match job.poll() {
                JobPoll::Running => {}
                JobPoll::Done(lines) => {
                    state.evidence.lines = lines;
                    state.evidence.job = None;
                }
                JobPoll::Lost => state.evidence.job = None,
            }
        }

        if let Some(job) = &mut state.export_job {
            match job.poll() {
                JobPoll::Running => {}
                JobPoll::Done(Ok(path)) => {
                    state.export_job = None;
                    let count = state.case.detections.len();
                    state
                        .notifications
                        .info(format!("exported {count} detection(s): {}", path.display()));
                }
                JobPoll::Done(Err(error)) => {
                    state.export_job = None;
                    state
                        .notifications
                        .error(format!("export failed: {error:#}"));
                }
                JobPoll::Lost => {
                    state.export_job = None;
                    state
                        .notifications
                        .error("export failed: the writer stopped");
                }
            }
        }

        if let Some(dialog) = &mut state.dialog {
            match dialog.job.poll() {
                JobPoll::Running => {}
                JobPoll::Done(paths) => {
                    let purpose = dialog.purpose;
                    state.dialog = None;
                    state.answer(purpose, paths);
                }
                JobPoll::Lost => {
                    state.dialog = None;
                    state
                        .notifications
                        .error("the file dialog could not be shown");
                }
            }
        }
    }

    fn read_input(&mut self, context: &egui::Context) {
        let (dropped, events) = context.input(|input| {
            let dropped: Vec<PathBuf> = input
                .raw
                .dropped_files
                .iter()
                .map(|file| file.path().to_path_buf())
                .filter(|path| !path.as_os_str().is_empty())
                .collect();
            (dropped, input.raw.events.clone())
        });
        if !dropped.is_empty() {
            self.state.commands.push(AppCommand::OpenLogs(dropped));
        }

        for event in events {
            let egui::Event::Screenshot {
                user_data, image, ..
            } = event
            else {
                continue;
            };
            let ours = user_data
                .data
                .as_ref()
                .and_then(|data| data.downcast_ref::<&str>())
                .is_some_and(|tag| *tag == PLOT_SCREENSHOT_TAG);
            if !ours {
                continue;
            }
            self.finish_plot_export(&image, context.pixels_per_point());
        }
    }

    fn finish_plot_export(&mut self, image: &egui::ColorImage, pixels_per_point: f32) {
        let Some(export) = self.state.plot_export.take() else {
            return;
        };
        let Some((rect, _)) = export.requested else {
            self.state.plot_export = Some(export);
            return;
        };
        match export::save_region(image, rect, pixels_per_point, &export.path) {
            Ok([width, height]) => self.state.notifications.info(format!(
                "plot saved ({width}x{height}): {}",
                export.path.display()
            )),
            Err(error) => self
                .state
                .notifications
                .error(format!("saving the plot failed: {error:#}")),
        }
    }

    fn request_plot_screenshot(&mut self, context: &egui::Context) {
        let Some(export) = &mut self.state.plot_export else {
            return;
        };
        if let Some((_, asked)) = export.requested {
            if asked.elapsed() > export::SCREENSHOT_TIMEOUT {
                let path = export.path.display().to_string();
                self.state.plot_export = None;
                self.state.notifications.error(format!(
                    "saving the plot failed: the window gave no screenshot: {path}"
                ));
            } else {
                context.request_repaint_after(std::time::Duration::from_millis(50));
            }
            return;
        }
        let Some(rect) = self.state.plot_rects.get(&export.plot).copied() else {
            // The plot was not drawn this frame (another view was up); draw again.
            context.request_repaint();
            return;
        };
        export.requested = Some((rect, std::time::Instant::now()));
        let tag: &str = PLOT_SCREENSHOT_TAG;
        context.send_viewport_cmd(egui::ViewportCommand::Screenshot(egui::UserData::new(tag)));
    }

    fn run_commands(&mut self) {
        // A command may post more (a dialog's answer, opening a case); run those next frame.
        for command in std::mem::take(&mut self.state.commands) {
            self.state.execute(command);
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let context = ui.ctx().clone();
        self.apply_theme(&context);
        self.poll_jobs();
        self.read_input(&context);
        self.state.plot_rects.clear();

        crate::ui::app_ui(ui, &mut self.state);

        self.request_plot_screenshot(&context);
        let had_commands = !self.state.commands.is_empty();
        self.run_commands();
        self.state.refresh_evidence();
        self.state.autosave();
        if had_commands {
            context.request_repaint();
        }
        if self.state.scan.is_some() {
            context.request_repaint_after(PROGRESS_REPAINT);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        // eframe calls this every few seconds and when the window closes.
        self.state.autosave();
        eframe::set_value(storage, SETTINGS_KEY, &self.state.settings);
    }
}
