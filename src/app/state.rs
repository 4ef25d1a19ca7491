//! Everything the app holds while it runs, and how each [`AppCommand`] changes it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::attack::actors::RankedGroup;
use crate::engine::attack::source::LoadedAttack;
use crate::engine::ingest::IngestOptions;

use super::case::{Case, CaseFile};
use super::command::{AppCommand, PlotKind, View};
use super::dialogs::{DialogJob, DialogPurpose};
use super::export::PlotExport;
use super::insight::{self, DetectionInsight};
use super::jobs::{Job, Wake};
use super::notify::Notifications;
use super::settings::Settings;
use super::work::{self, EvidenceLine, MAX_EVIDENCE_SHOWN, ScanJob};

/// Where the ATT&CK data stands.
#[derive(Debug, Clone)]
pub enum AttackState {
    /// Being loaded on a worker.
    Loading,
    /// Loaded.
    Ready(Arc<LoadedAttack>),
    /// None found anywhere.
    Missing,
    /// Found but not usable (the reason names the file).
    Failed(String),
}

impl AttackState {
    /// The knowledge base, when loaded.
    pub fn base(&self) -> Option<&crate::engine::attack::KnowledgeBase> {
        match self {
            Self::Ready(loaded) => Some(&loaded.base),
            _ => None,
        }
    }
}

/// Evidence lines read back for the selected detection.
#[derive(Debug, Default)]
pub struct EvidenceState {
    /// The selection and case generation the lines belong to.
    pub key: Option<(usize, u64)>,
    /// The read in progress.
    pub job: Option<Job<Vec<EvidenceLine>>>,
    /// The lines read.
    pub lines: Vec<EvidenceLine>,
}

/// The app's state while it runs (settings are the only part kept between runs).
pub struct AppState {
    /// Persisted settings.
    pub settings: Settings,
    /// The open case.
    pub case: Case,
    /// ATT&CK data.
    pub attack: AttackState,
    /// How logs are read (year for yearless syslog, time zone, forced format).
    pub ingest: IngestOptions,
    /// The view in the central area.
    pub view: View,
    /// The selected detection (index into the case's detections).
    pub selected: Option<usize>,
    /// State of the views (filters, sort order, graph layout).
    pub views: crate::ui::ViewState,
    /// Messages for the user.
    pub notifications: Notifications,
    /// Commands views posted this frame.
    pub commands: Vec<AppCommand>,
    /// The scan running, if any.
    pub scan: Option<ScanJob>,
    /// Paths to open once the running scan ends.
    pub queued_paths: Vec<PathBuf>,
    /// ATT&CK being loaded.
    pub attack_job: Option<Job<Result<Option<LoadedAttack>, String>>>,
    /// A file dialog waiting for the user.
    pub dialog: Option<DialogJob>,
    /// Detections being exported.
    pub export_job: Option<Job<anyhow::Result<PathBuf>>>,
    /// A plot export waiting for its screenshot.
    pub plot_export: Option<PlotExport>,
    /// Where each plot was drawn in the last frame.
    pub plot_rects: HashMap<PlotKind, egui::Rect>,
    /// ATT&CK's view of the selected detection, with the key it was worked out for.
    pub insight: Option<((usize, u64), DetectionInsight)>,
    /// Groups ranked over the whole case, with the case generation they belong to.
    pub case_groups: Option<(u64, Vec<RankedGroup>)>,
    /// Evidence lines of the selected detection.
    pub evidence: EvidenceState,
    /// The case changed since it was last saved.
    pub case_needs_save: bool,
    /// Wakes the UI from a worker.
    pub wake: Wake,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("files", &self.case.files.len())
            .field("detections", &self.case.detections.len())
            .field("view", &self.view)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// A fresh state; nothing is loaded yet.
    pub fn new(settings: Settings, ingest: IngestOptions, wake: Wake) -> Self {
        Self {
            settings,
            case: Case::default(),
            attack: AttackState::Missing,
            ingest,
            view: View::default(),
            selected: None,
            views: crate::ui::ViewState::default(),
            notifications: Notifications::default(),
            commands: Vec::new(),
            scan: None,
            queued_paths: Vec::new(),
            attack_job: None,
            dialog: None,
            export_job: None,
            plot_export: None,
            plot_rects: HashMap::new(),
            insight: None,
            case_groups: None,
            evidence: EvidenceState::default(),
            case_needs_save: false,
            wake,
        }
    }

    /// The groups ranked over the whole case (worked out again when the case changed).
    pub fn case_groups(&mut self) -> &[RankedGroup] {
        let generation = self.case.generation;
        let stale = self
            .case_groups
            .as_ref()
            .is_none_or(|(at, _)| *at != generation);
        if stale {
            let groups = match self.attack.base() {
                Some(base) => insight::rank_groups(base, &self.case.detections),
                None => Vec::new(),
            };
            self.case_groups = Some((generation, groups));
        }
        self.case_groups
            .as_ref()
            .map_or(&[], |(_, groups)| groups.as_slice())
    }

    /// ATT&CK's view of the selected detection (worked out again when the selection changed).
    pub fn selected_insight(&mut self) -> Option<&DetectionInsight> {
        let index = self.selected?;
        let key = (index, self.case.generation);
        let stale = self.insight.as_ref().is_none_or(|(at, _)| *at != key);
        if stale {
            let base = self.attack.base()?;
            let detection = self.case.detections.get(index)?;
            self.insight = Some((key, DetectionInsight::of(base, detection)));
        }
        self.insight.as_ref().map(|(_, insight)| insight)
    }

    /// Starts reading the selected detection's evidence lines when the selection changed.
    pub fn refresh_evidence(&mut self) {
        let key = self.selected.map(|index| (index, self.case.generation));
        if self.evidence.key == key {
            return;
        }
        self.evidence = EvidenceState {
            key,
            ..EvidenceState::default()
        };
        let Some(detection) = self
            .selected
            .and_then(|index| self.case.detections.get(index))
        else {
            return;
        };
        let places: Vec<(PathBuf, u64)> = detection
            .evidence
            .iter()
            .take(MAX_EVIDENCE_SHOWN)
            .filter_map(|place| {
                let path = self.case.file_path(place.file)?;
                Some((path.to_path_buf(), place.line))
            })
            .collect();
        match work::start_evidence_read(places, Arc::clone(&self.wake)) {
            Ok(job) => self.evidence.job = Some(job),
            Err(error) => self
                .notifications
                .error(format!("cannot start reading evidence: {error}")),
        }
    }

    /// Starts loading ATT&CK.
    pub fn load_attack(&mut self, bundles: Vec<PathBuf>) {
        match work::start_attack_load(bundles, Arc::clone(&self.wake)) {
            Ok(job) => {
                self.attack_job = Some(job);
                self.attack = AttackState::Loading;
            }
            Err(error) => self
                .notifications
                .error(format!("cannot start loading ATT&CK: {error}")),
        }
    }

    /// Starts reading logs, or queues them behind the running scan.
    pub fn open_logs(&mut self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        if self.scan.is_some() {
            self.queued_paths.extend(paths);
            return;
        }
        self.settings.remember(&paths);
        match ScanJob::start(paths, self.ingest.clone(), Arc::clone(&self.wake)) {
            Ok(job) => self.scan = Some(job),
            Err(error) => self
                .notifications
                .error(format!("cannot start reading logs: {error}")),
        }
    }

    /// Carries out one command.
    pub fn execute(&mut self, command: AppCommand) {
        match command {
            AppCommand::OpenLogs(paths) => self.open_logs(paths),
            AppCommand::CancelScan => {
                if self.scan.take().is_some() {
                    // TODO(#5): the engine's scan has no stop signal yet; its thread finishes
                    // in the background and its result is dropped.
                    self.notifications
                        .warn("reading cancelled; nothing was added");
                }
                self.queued_paths.clear();
            }
            AppCommand::LoadAttack(bundles) => self.load_attack(bundles),
            AppCommand::Select(index) => {
                self.selected = index.filter(|&i| i < self.case.detections.len());
            }
            AppCommand::Show(view) => self.view = view,
            AppCommand::SavePlotPng(plot, path) => {
                self.view = View::Plots;
                self.plot_export = Some(PlotExport {
                    plot,
                    path,
                    requested: None,
                });
            }
            AppCommand::SetTriage(index, status) => {
                self.case.set_status(index, status);
                self.case_needs_save = true;
            }
            AppCommand::SaveCase(path) => self.save_case(path),
            AppCommand::OpenCase(path) => self.open_case(&path),
            AppCommand::NewCase => {
                // The generation keeps counting up, so nothing derived from the old case is
                // mistaken for the new one's.
                let generation = self.case.generation + 1;
                self.case = Case {
                    generation,
                    ..Case::default()
                };
                self.selected = None;
            }
            AppCommand::PickLogs => self.ask(DialogPurpose::OpenLogs),
            AppCommand::PickPlotPng(plot) => self.ask(DialogPurpose::SavePlot(plot)),
            AppCommand::PickSaveCase => self.ask(DialogPurpose::SaveCase),
            AppCommand::PickOpenCase => self.ask(DialogPurpose::OpenCase),
            AppCommand::PickExport => self.ask(DialogPurpose::Export),
            AppCommand::ExportDetections(path) => self.export(path),
        }
    }

    fn ask(&mut self, purpose: DialogPurpose) {
        if self.dialog.is_some() {
            return;
        }
        match DialogJob::start(purpose, Arc::clone(&self.wake)) {
            Ok(dialog) => self.dialog = Some(dialog),
            Err(error) => self
                .notifications
                .error(format!("cannot open a dialog: {error}")),
        }
    }

    /// Turns a dialog's answer into the command it was for.
    pub fn answer(&mut self, purpose: DialogPurpose, mut paths: Vec<PathBuf>) {
        let Some(first) = paths.first().cloned() else {
            return;
        };
        let command = match purpose {
            DialogPurpose::OpenLogs => AppCommand::OpenLogs(std::mem::take(&mut paths)),
            DialogPurpose::SavePlot(plot) => AppCommand::SavePlotPng(plot, first),
            DialogPurpose::SaveCase => AppCommand::SaveCase(first),
            DialogPurpose::OpenCase => AppCommand::OpenCase(first),
            DialogPurpose::Export => AppCommand::ExportDetections(first),
        };
        self.commands.push(command);
    }

    fn export(&mut self, path: PathBuf) {
        if self.export_job.is_some() {
            self.notifications
                .warn("an export is already being written");
            return;
        }
        // The writer gets its own copy, so the table stays usable while it writes.
        let outcome = crate::engine::scan::ScanOutcome {
            files: self.case.files.clone(),
            detections: self.case.detections.clone(),
            events: self.case.events,
        };
        let attack = match &self.attack {
            AttackState::Ready(loaded) => Some(Arc::clone(loaded)),
            _ => None,
        };
        match work::start_export(outcome, attack, path, Arc::clone(&self.wake)) {
            Ok(job) => self.export_job = Some(job),
            Err(error) => self
                .notifications
                .error(format!("cannot start the export: {error}")),
        }
    }

    fn save_case(&mut self, path: PathBuf) {
        match self.case.to_file().save(&path) {
            Ok(()) => {
                self.notifications
                    .info(format!("case saved: {}", path.display()));
                self.case.path = Some(path);
                self.case_needs_save = false;
            }
            Err(error) => self.notifications.error(format!("{error:#}")),
        }
    }

    /// Saves the case to where it was last saved, if anywhere, when it changed.
    pub fn autosave(&mut self) {
        if !self.case_needs_save || !self.settings.autosave || self.scan.is_some() {
            return;
        }
        if let Some(path) = self.case.path.clone() {
            self.save_case(path);
        }
    }

    fn open_case(&mut self, path: &std::path::Path) {
        let saved = match CaseFile::load(path) {
            Ok(saved) => saved,
            Err(error) => {
                self.notifications.error(format!("{error:#}"));
                return;
            }
        };
        for input in &saved.files {
            if let Some(change) = input.change() {
                self.notifications.warn(format!("case file {change}"));
            }
        }
        // Whatever is still being read belongs to the old case.
        self.scan = None;
        self.queued_paths.clear();
        self.execute(AppCommand::NewCase);
        self.case.triage = saved.triage;
        self.case.path = Some(path.to_path_buf());
        let paths = saved.files.into_iter().map(|input| input.path).collect();
        self.open_logs(paths);
    }
}
