//! Start-up cost of ATT&CK data, and the cost of the questions asked of it.
//!
//! `parse_bundle` builds the knowledge base from the STIX JSON (what the first start after an
//! update pays); `load_index` reads the derived index instead (what every later start pays);
//! `groups_using_t1110` and `rank_three_techniques` are per-question costs once loaded.
//!
//! With `../shared/attack/enterprise-attack.json.zst` present the real Enterprise v18.1 bundle is
//! measured; otherwise our small fixture, so the benchmark still runs in a plain clone. Whole
//! process start-up (`threatlens attack info`) is measured by `benches/attack_startup.sh`.

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::Bencher;
use threatlens::engine::attack::KnowledgeBase;
use threatlens::engine::attack::actors::{ActorRanker, Observed, RankOptions};
use threatlens::engine::attack::index_file::{self, Fingerprint};
use threatlens::engine::attack::source;

fn main() {
    divan::main();
}

struct Fixture {
    bundle: PathBuf,
    index: PathBuf,
    fingerprint: Fingerprint,
    base: KnowledgeBase,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let shared = root.join("../shared/attack/enterprise-attack.json.zst");
        let bundle = if shared.is_file() {
            shared
        } else {
            root.join("tests/data/attack/mini-attack.json")
        };
        let base = source::parse_bundles(std::slice::from_ref(&bundle)).expect("bundle parses");
        let dir = tempfile::tempdir().expect("temporary folder");
        let index = dir.path().join("attack.index");
        let fingerprint = Fingerprint::of(std::slice::from_ref(&bundle)).expect("bundle exists");
        index_file::save(&index, &fingerprint, &base).expect("index written");
        eprintln!(
            "bundle {} (ATT&CK {}): {} techniques, index {} bytes",
            bundle.display(),
            base.version(),
            base.techniques.len(),
            std::fs::metadata(&index).map_or(0, |m| m.len())
        );
        Fixture {
            bundle,
            index,
            fingerprint,
            base,
            _dir: dir,
        }
    })
}

#[divan::bench(sample_count = 10)]
fn parse_bundle(bencher: Bencher<'_, '_>) {
    let fixture = fixture();
    bencher.bench(|| source::parse_bundles(std::slice::from_ref(&fixture.bundle)));
}

#[divan::bench(sample_count = 20)]
fn load_index(bencher: Bencher<'_, '_>) {
    let fixture = fixture();
    bencher.bench(|| index_file::load(&fixture.index, &fixture.fingerprint).expect("index loads"));
}

#[divan::bench]
fn groups_using_t1110(bencher: Bencher<'_, '_>) {
    let base = &fixture().base;
    bencher.bench(|| {
        let (index, _) = base
            .technique(divan::black_box("T1110"))
            .expect("T1110 exists");
        base.groups_using(index).count()
    });
}

#[divan::bench(sample_count = 20)]
fn rank_three_techniques(bencher: Bencher<'_, '_>) {
    let base = &fixture().base;
    let observed: Vec<Observed> = ["T1110", "T1046", "T1041"]
        .iter()
        .map(|id| Observed {
            technique: (*id).to_owned(),
            confidence: 1.0,
        })
        .collect();
    bencher.bench(|| ActorRanker::new(base, RankOptions::default()).rank(&observed, 10));
}
