//! A real TAXII 2.1 server for the tests: medallion (the OASIS reference server) started as a
//! child process on a free port of 127.0.0.1, serving a data file built from our fixtures in
//! `tests/data/taxii/`, and killed when dropped.
//!
//! medallion is found (or installed into a venv on first use) by `tests/support/python_tools.rs`.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The user name medallion accepts.
pub const USER: &str = "analyst";
/// That user's password.
pub const PASSWORD: &str = "correct-horse-battery";
/// The API root's name; discovery lists it as the relative URL `threatlens/`.
pub const API_ROOT: &str = "threatlens";
/// The one collection (readable and writable).
pub const COLLECTION: &str = "4c1f7a36-5a0e-4f5e-9a51-0d1c3b2e8f61";

/// A running medallion.
pub struct Medallion {
    child: Option<Child>,
    port: u16,
    folder: tempfile::TempDir,
}

/// The fixture bundle's objects.
pub fn fixture_objects(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/taxii")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    let bundle: Value = serde_json::from_str(&text).expect("fixture is JSON");
    bundle["objects"]
        .as_array()
        .expect("bundle objects")
        .clone()
}

/// When the test data says the object at `position` of `collection.json` was added: one
/// second apart from 2025-10-01T00:00:00, with microseconds as medallion writes them.
pub fn date_added(position: usize) -> String {
    format!(
        "2025-10-01T00:{:02}:{:02}.000000Z",
        position / 60,
        position % 60
    )
}

impl Medallion {
    /// Starts medallion with `collection.json`, or `None` when the tests are to be skipped.
    pub fn start() -> Option<Self> {
        let program = super::python_tools::python_tool("medallion", "THREATLENS_MEDALLION")?;

        let folder = tempfile::tempdir().expect("temporary folder");
        write_data_file(&folder.path().join("data.json"));
        write_config(&folder.path().join("config.json"));
        let port = free_port();
        let log = std::fs::File::create(folder.path().join("medallion.log")).expect("log file");
        let child = Command::new(&program)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "config.json",
            ])
            .current_dir(folder.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", program.display()));

        let mut server = Self {
            child: Some(child),
            port,
            folder,
        };
        server.wait_until_ready();
        Some(server)
    }

    /// `http://127.0.0.1:PORT/taxii2/`.
    pub fn discovery_url(&self) -> String {
        format!("http://127.0.0.1:{}/taxii2/", self.port)
    }

    /// The API root's absolute URL.
    pub fn api_root_url(&self) -> String {
        format!("http://127.0.0.1:{}/{API_ROOT}/", self.port)
    }

    /// Kills the server now (the "server stopped in the middle of a sync" case).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("medallion exited early ({status}): {}", self.log());
            }
            if answers_http(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("medallion did not answer within 30 s: {}", self.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.folder.path().join("medallion.log")).unwrap_or_default()
    }
}

impl Drop for Medallion {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether something on `port` answers an HTTP request (any status: 401 is an answer).
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = "GET /taxii2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut start = [0u8; 5];
    stream.read_exact(&mut start).is_ok() && &start == b"HTTP/"
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound address").port()
}

fn write_config(path: &Path) {
    let config = json!({
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": "data.json",
            "session_timeout": 60,
            "check_interval": 10
        },
        "users": { USER: PASSWORD },
        "taxii": { "max_page_size": 100 }
    });
    std::fs::write(path, config.to_string()).expect("config written");
}

fn write_data_file(path: &Path) {
    let objects = fixture_objects("collection.json");
    let manifest: Vec<Value> = objects
        .iter()
        .enumerate()
        .map(|(position, object)| {
            json!({
                "id": object["id"],
                "date_added": date_added(position),
                "version": object["modified"],
                "media_type": "application/stix+json;version=2.1"
            })
        })
        .collect();
    let data = json!({
        "/discovery": {
            "title": "ThreatLens test server",
            "description": "medallion with fixtures of our own",
            "contact": "tests",
            "default": "threatlens/",
            "api_roots": ["threatlens/"]
        },
        API_ROOT: {
            "information": {
                "title": "ThreatLens test root",
                "description": "one collection",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10_485_760
            },
            "status": [],
            "collections": [{
                "id": COLLECTION,
                "title": "Test indicators",
                "description": "indicators, malware and relationships",
                "can_read": true,
                "can_write": true,
                "media_types": ["application/stix+json;version=2.1"],
                "objects": objects,
                "manifest": manifest
            }]
        }
    });
    std::fs::write(path, data.to_string()).expect("data file written");
}
