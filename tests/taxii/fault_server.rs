//! A scripted HTTP server on 127.0.0.1 for faults medallion cannot produce: broken JSON,
//! endless or looping pages, 429 with `Retry-After`, oversized bodies.
//!
//! It answers discovery (relative API root `api/`) and the collection list itself; every
//! request for the objects of collection `c1` goes to the test's script, which sees the
//! request's number (from 0) and its full target (path and query). Requests are recorded with
//! their arrival time, and the `Authorization` header of every request is kept. Connections are served one at a time, each closed after one response.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The collection the script serves.
pub const COLLECTION: &str = "c1";

/// One scripted response.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// 200 with a TAXII JSON body.
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            headers: vec![],
            body: body.into(),
        }
    }

    /// The same reply with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub target: String,
    pub at: Instant,
}

type Script = dyn Fn(usize, &str) -> Reply + Send + Sync;

/// The running server; stops when dropped.
pub struct FaultServer {
    port: u16,
    objects_requests: Arc<Mutex<Vec<Recorded>>>,
    authorizations: Arc<Mutex<Vec<Option<String>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FaultServer {
    /// Starts serving; `script` answers the objects requests.
    pub fn start(script: impl Fn(usize, &str) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("address").port();
        let objects_requests = Arc::new(Mutex::new(Vec::new()));
        let authorizations = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));

        let script: Arc<Script> = Arc::new(script);
        let recorded = Arc::clone(&objects_requests);
        let seen_authorizations = Arc::clone(&authorizations);
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("fault-server".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        serve(stream, &script, &recorded, &seen_authorizations);
                    }
                }
            })
            .expect("server thread");
        Self {
            port,
            objects_requests,
            authorizations,
            stop,
            thread: Some(thread),
        }
    }

    /// The discovery URL.
    pub fn discovery_url(&self) -> String {
        format!("http://127.0.0.1:{}/taxii2/", self.port)
    }

    /// The objects requests received so far.
    pub fn objects_requests(&self) -> Vec<Recorded> {
        self.objects_requests.lock().expect("not poisoned").clone()
    }

    /// The `Authorization` header of every request so far, in order.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.authorizations.lock().expect("not poisoned").clone()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    script: &Arc<Script>,
    recorded: &Mutex<Vec<Recorded>>,
    authorizations: &Mutex<Vec<Option<String>>>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Some((target, authorization)) = read_request_head(&mut stream) else {
        return;
    };
    authorizations
        .lock()
        .expect("not poisoned")
        .push(authorization);
    let path = target.split('?').next().unwrap_or("");
    let reply = match path {
        "/taxii2/" => Reply::json(r#"{"title":"faults","api_roots":["api/"]}"#),
        "/api/collections/" => Reply::json(
            r#"{"collections":[{"id":"c1","title":"Faults","can_read":true,"can_write":false}]}"#,
        ),
        "/api/collections/c1/objects/" => {
            let mut requests = recorded.lock().expect("not poisoned");
            let number = requests.len();
            requests.push(Recorded {
                target: target.clone(),
                at: Instant::now(),
            });
            drop(requests);
            script(number, &target)
        }
        _ => Reply {
            status: 404,
            headers: vec![],
            body: br#"{"title":"not found"}"#.to_vec(),
        },
    };

    let mut head = format!(
        "HTTP/1.1 {} Scripted\r\nContent-Type: application/taxii+json;version=2.1\r\n\
         Connection: close\r\n",
        reply.status
    );
    let declares_length = reply
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
    if !declares_length {
        head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&reply.body);
    let _ = stream.flush();
}

/// The target of the request line and the `Authorization` header, after reading the whole
/// request head.
fn read_request_head(stream: &mut TcpStream) -> Option<(String, Option<String>)> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.lines();
    let target = lines.next()?.split(' ').nth(1)?.to_owned();
    let authorization = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("authorization")
            .then(|| value.trim().to_owned())
    });
    Some((target, authorization))
}
