//! The graph view: detected techniques, their tactics, and the groups ranked for the case,
//! joined by `uses` (group → technique) and `in` (technique → tactic).
//!
//! The graph is capped (most detected techniques, top ranked groups) and rebuilt only when the
//! case or ATT&CK changes. Nodes start on rings (tactics inside, techniques around them,
//! groups outside) so no two share a position, then the force layout runs to a standstill
//! right away and is switched off; dragging a node moves just that node.
//! TODO(#5): egui_graphs 0.32 asks for a repaint on every frame it draws, so the window keeps
//! repainting while this view is open even though the layout no longer moves.

use std::collections::HashMap;

use egui_graphs::{
    FruchtermanReingoldWithCenterGravity, FruchtermanReingoldWithCenterGravityState, GraphChange,
    GraphView, LayoutForceDirected, SettingsInteraction, SettingsNavigation, SettingsStyle,
};

use crate::app::state::AppState;
use crate::app::{AppCommand, View};
use crate::engine::attack::KnowledgeBase;
use crate::engine::attack::actors::RankedGroup;
use crate::engine::attack::source::HOW_TO_GET_ATTACK;
use crate::engine::detect::Detection;

use super::theme;

/// Most techniques drawn.
pub const MAX_TECHNIQUES: usize = 40;
/// Most groups drawn.
pub const MAX_GROUPS: usize = 8;
/// Steps the layout may take to settle.
const MAX_LAYOUT_STEPS: u32 = 2_000;
/// Average node movement per step below which the layout counts as settled.
const SETTLED_DISPLACEMENT: f32 = 0.05;

const GRAPH_ID: &str = "threatlens-attack-graph";

type LayoutState = FruchtermanReingoldWithCenterGravityState;
type Layout = LayoutForceDirected<FruchtermanReingoldWithCenterGravity>;

/// What a node stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A technique, with its detection count.
    Technique(String, usize),
    /// A tactic (display name).
    Tactic(String),
    /// A ranked group, with its score.
    Group(String, f64),
}

/// The graph as drawn, with the key it was built for.
#[derive(Default)]
pub struct GraphState {
    key: Option<(u64, String)>,
    graph: Option<egui_graphs::Graph<NodeKind, ()>>,
    settled_after_steps: Option<u32>,
}

impl std::fmt::Debug for GraphState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphState")
            .field(
                "nodes",
                &self.graph.as_ref().map(egui_graphs::Graph::node_count),
            )
            .field("settled_after_steps", &self.settled_after_steps)
            .finish_non_exhaustive()
    }
}

impl GraphState {
    /// Edges in the graph as built (0 before the view was first shown).
    pub fn edge_count(&self) -> usize {
        self.graph
            .as_ref()
            .map_or(0, egui_graphs::Graph::edge_count)
    }

    /// Nodes in the graph as built (0 before the view was first shown).
    pub fn node_count(&self) -> usize {
        self.graph
            .as_ref()
            .map_or(0, egui_graphs::Graph::node_count)
    }

    /// Steps the layout took to settle, once it has.
    pub fn settled_after_steps(&self) -> Option<u32> {
        self.settled_after_steps
    }
}

/// Builds the graph's nodes and edges with their starting places.
pub fn build_graph(
    base: &KnowledgeBase,
    detections: &[Detection],
    groups: &[RankedGroup],
) -> egui_graphs::Graph<NodeKind, ()> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for detection in detections {
        for technique in &detection.techniques {
            *counts.entry(technique.as_str()).or_default() += 1;
        }
    }
    let mut techniques: Vec<(&str, usize)> = counts
        .into_iter()
        .filter(|(id, _)| base.resolve(id).is_some())
        .collect();
    techniques.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    techniques.truncate(MAX_TECHNIQUES);

    let mut graph = egui_graphs::Graph::<NodeKind, ()>::new();
    let mut technique_nodes = HashMap::new();
    let mut tactic_nodes = HashMap::new();
    let ring = |index: usize, total: usize, radius: f32| {
        let angle = std::f32::consts::TAU * index as f32 / total.max(1) as f32;
        egui::pos2(radius * angle.cos(), radius * angle.sin())
    };

    for (at, (id, count)) in techniques.iter().enumerate() {
        let Some(resolved) = base.resolve(id) else {
            continue;
        };
        let name = &resolved.technique.meta.name;
        let node = graph.add_node_with_label_and_location(
            NodeKind::Technique((*id).to_owned(), *count),
            format!("{id} {name}"),
            ring(at, techniques.len(), 220.0),
        );
        technique_nodes.insert((*id).to_owned(), node);
        for tactic in base.tactic_names(resolved.technique) {
            let next = tactic_nodes.len();
            let tactic_node = *tactic_nodes.entry(tactic.clone()).or_insert_with(|| {
                graph.add_node_with_label_and_location(
                    NodeKind::Tactic(tactic.clone()),
                    tactic.clone(),
                    ring(next, 14, 90.0),
                )
            });
            graph.add_edge_with_label(node, tactic_node, (), String::new());
        }
    }

    let shown_groups = &groups[..groups.len().min(MAX_GROUPS)];
    for (at, group) in shown_groups.iter().enumerate() {
        let node = graph.add_node_with_label_and_location(
            NodeKind::Group(group.id.clone(), group.score),
            group.name.clone(),
            ring(at, shown_groups.len(), 380.0),
        );
        // A group can match one observed technique several ways (exactly, through a
        // sibling); the graph shows one `uses` edge per pair.
        let mut joined = std::collections::HashSet::new();
        for shared in &group.shared_techniques {
            let technique = technique_nodes
                .get(&shared.matched)
                .or_else(|| technique_nodes.get(&shared.id));
            if let Some(&technique) = technique
                && joined.insert(technique)
            {
                graph.add_edge_with_label(node, technique, (), String::new());
            }
        }
    }
    style_nodes(&mut graph);
    graph
}

fn style_nodes(graph: &mut egui_graphs::Graph<NodeKind, ()>) {
    let indices: Vec<_> = graph.g().node_indices().collect();
    for index in indices {
        let Some(node) = graph.node_mut(index) else {
            continue;
        };
        let (color, radius) = match node.payload().clone() {
            NodeKind::Technique(_, count) => {
                (theme::TECHNIQUE_COLOR, 8.0 + 3.0 * (count as f32).sqrt())
            }
            NodeKind::Tactic(_) => (theme::TACTIC_COLOR, 12.0),
            NodeKind::Group(_, score) => (theme::GROUP_COLOR, 8.0 + 16.0 * score as f32),
        };
        node.set_color(color);
        node.display_mut().radius = radius;
    }
}

/// The graph view.
pub fn graph_view_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(version) = state.attack.base().map(KnowledgeBase::version) else {
        ui.label(HOW_TO_GET_ATTACK);
        return;
    };
    let key = (state.case.generation, version.clone());
    if state.views.graph.key.as_ref() != Some(&key) {
        let groups = state.case_groups().to_vec();
        let Some(base) = state.attack.base() else {
            return;
        };
        state.views.graph.graph = Some(build_graph(base, &state.case.detections, &groups));
        state.views.graph.key = Some(key);
        state.views.graph.settled_after_steps = None;
        egui_graphs::reset_layout::<LayoutState>(ui, Some(GRAPH_ID.to_owned()));
    }
    ui.horizontal(|ui| {
        ui.strong(format!(
            "Techniques, tactics and groups (MITRE ATT&CK v{version}; groups by similarity, not attribution)"
        ));
        ui.weak(format!(
            "{} nodes; at most {MAX_TECHNIQUES} techniques and {MAX_GROUPS} groups",
            state.views.graph.node_count()
        ));
    });

    let graph_state = &mut state.views.graph;
    let Some(graph) = &mut graph_state.graph else {
        return;
    };
    if graph.node_count() == 0 {
        ui.label("No detected technique is in ATT&CK.");
        return;
    }
    if graph_state.settled_after_steps.is_none() {
        let id = Some(GRAPH_ID.to_owned());
        let (steps, _) = GraphView::<LayoutState, Layout>::fast_forward_until_stable(
            ui,
            graph,
            SETTLED_DISPLACEMENT,
            MAX_LAYOUT_STEPS,
            id.clone(),
        );
        let mut layout = egui_graphs::get_layout_state::<LayoutState>(ui, id.clone());
        layout.base.is_running = false;
        egui_graphs::set_layout_state::<LayoutState>(ui, layout, id);
        graph_state.settled_after_steps = Some(steps);
    }

    let response = GraphView::<LayoutState, Layout>::new()
        .with_id(Some(GRAPH_ID.to_owned()))
        .with_interactions(
            &SettingsInteraction::new()
                .with_dragging_enabled(true)
                .with_node_clicking_enabled(true),
        )
        .with_navigations(
            &SettingsNavigation::new()
                .with_zoom_and_pan_enabled(true)
                .with_fit_to_screen_enabled(false),
        )
        .with_styles(&SettingsStyle::new().with_labels_always(true))
        .show(ui, graph);

    for change in &response.changes {
        let GraphChange::NodeClicked { node } = change else {
            continue;
        };
        if let Some(NodeKind::Technique(id, _)) = graph.node(*node).map(|n| n.payload().clone()) {
            state.views.table.facets.technique = Some(id);
            state.commands.push(AppCommand::Show(View::Detections));
        }
    }
}
