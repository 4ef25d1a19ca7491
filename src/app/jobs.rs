//! Background jobs: work that runs on a named thread while the window keeps drawing.
//!
//! A [`Job`] owns the receiving end of a one-shot channel. The app polls every job once per
//! frame; the worker calls the wake-up closure it was given when its result is ready, so the
//! window repaints without polling on a timer.

use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A closure a worker calls to wake the UI (the app passes one calling `request_repaint`).
pub type Wake = std::sync::Arc<dyn Fn() + Send + Sync>;

/// What polling a job found.
#[derive(Debug)]
pub enum JobPoll<T> {
    /// Still working.
    Running,
    /// Finished with this result.
    Done(T),
    /// The worker ended without a result (it panicked).
    Lost,
}

/// Work running on its own thread, with its result on the way.
#[derive(Debug)]
pub struct Job<T> {
    receiver: mpsc::Receiver<T>,
    started: Instant,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a thread called `name`; `wake` is called once the result is sent.
    pub fn spawn(
        name: &str,
        wake: Wake,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let result = work();
                // The app may have dropped the job (cancelled); nobody is left to tell then.
                let _ = sender.send(result);
                wake();
            })?;
        Ok(Self {
            receiver,
            started: Instant::now(),
        })
    }

    /// Takes the result if it is there, without blocking.
    pub fn poll(&mut self) -> JobPoll<T> {
        match self.receiver.try_recv() {
            Ok(result) => JobPoll::Done(result),
            Err(mpsc::TryRecvError::Empty) => JobPoll::Running,
            Err(mpsc::TryRecvError::Disconnected) => JobPoll::Lost,
        }
    }

    /// How long the job has been running.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_job_delivers_its_result_and_wakes_once() {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        let wake: Wake = Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let mut job = Job::spawn("test-job", wake, || 6 * 7).expect("thread starts");

        let deadline = Instant::now() + Duration::from_secs(10);
        let result = loop {
            match job.poll() {
                JobPoll::Done(value) => break value,
                JobPoll::Running if Instant::now() < deadline => std::thread::yield_now(),
                other => panic!("job did not finish: {other:?}"),
            }
        };
        assert_eq!(result, 42);
        while wakes.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(wakes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_panicking_job_is_reported_lost() {
        let wake: Wake = Arc::new(|| {});
        let mut job: Job<u32> =
            Job::spawn("test-panic", wake, || panic!("worker failed")).expect("thread starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match job.poll() {
                JobPoll::Lost => break,
                JobPoll::Running if Instant::now() < deadline => std::thread::yield_now(),
                other => panic!("expected a lost job, got {other:?}"),
            }
        }
    }
}
