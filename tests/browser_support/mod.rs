//! Headless Chromium driven through a Node script in `tests/browser/` (one JSON command per line in, one JSON
//! answer per line out), closed when dropped. Shared by the browser tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What a failed browser command shows besides its answer: the server's log.
pub trait ServerLog {
    fn log_for_failure(&self) -> String;
}

pub struct Browser {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Browser {
    /// Starts `tests/browser/<script>` with `options` (JSON) as its argument.
    pub fn launch(script: &str, options: Value) -> Browser {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
        assert!(
            dir.join("node_modules/playwright-core").is_dir(),
            "playwright-core missing: run npm ci --prefix tests/browser (scripts/setup.sh does it)"
        );
        let mut child = Command::new("node")
            .arg(dir.join(script))
            .arg(options.to_string())
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot run node: run scripts/setup.sh (installs nodejs)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Browser {
            child,
            stdin,
            stdout,
        }
    }

    /// Sends one command; the answer, or the driver's error.
    pub fn try_send(&mut self, command: Value) -> Result<Value, String> {
        writeln!(self.stdin, "{command}").map_err(|e| format!("browser driver gone: {e}"))?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| format!("browser driver gone: {e}"))?;
        let answer: Value = serde_json::from_str(&line)
            .map_err(|e| format!("browser driver said {line:?}: {e}"))?;
        if answer["ok"] == true {
            Ok(answer)
        } else {
            Err(format!("{command} failed: {answer}"))
        }
    }

    /// An app caller whose microphone plays `mic`: opens the voice page at `http_port`, calls in English and
    /// types that they want a person; returns once the page shows the call with (or waiting for) an agent.
    pub fn app_caller_asking_for_a_person(
        mic: &Path,
        http_port: u16,
        server: &impl ServerLog,
    ) -> Browser {
        let mut caller = Browser::launch("drive.mjs", json!({ "fakeAudio": mic }));
        let page = format!("http://127.0.0.1:{http_port}/");
        caller.send(json!({"cmd": "open", "url": page}), server);
        caller.send(json!({"cmd": "select_lang", "lang": "en"}), server);
        caller.send(json!({"cmd": "click", "selector": "#call"}), server);
        caller.send(
            json!({"cmd": "wait_state", "states": ["listening"], "timeout_ms": 60000}),
            server,
        );
        caller.send(
            json!({"cmd": "type", "text": "I want to talk to a person"}),
            server,
        );
        caller.send(
            json!({"cmd": "wait_state", "states": ["agent"], "timeout_ms": 60000}),
            server,
        );
        caller
    }

    /// Sends one command; a failure fails the test with the server's log.
    pub fn send(&mut self, command: Value, server: &impl ServerLog) -> Value {
        self.try_send(command)
            .unwrap_or_else(|e| panic!("{e}\nserver log:\n{}", server.log_for_failure()))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({"cmd": "close"}));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
