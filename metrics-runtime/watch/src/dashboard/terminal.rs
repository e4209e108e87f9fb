//! Taking the terminal over (raw mode, alternate screen, hidden cursor) and
//! always giving it back: on drop, and from a panic hook, whichever thread
//! panics.

use std::io::{self, Write};
use std::panic::{self, PanicHookInfo};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crossterm::{cursor, execute, terminal};

/// Whether a dashboard holds the terminal right now.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// How many times the panic hook gave the terminal back.
static RESTORED_BY_PANIC: AtomicU64 = AtomicU64::new(0);
/// Serialises entering and leaving (the hook only swaps `ACTIVE`).
static LOCK: Mutex<()> = Mutex::new(());

type Hook = Arc<dyn Fn(&PanicHookInfo<'_>) + Send + Sync + 'static>;

fn lock() -> std::sync::MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Leaves the alternate screen, shows the cursor and disables raw mode.
/// Every step is attempted even if one fails.
fn restore() -> io::Result<()> {
    let mut out = io::stdout();
    let screen = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let raw = terminal::disable_raw_mode();
    let flush = out.flush();
    screen.and(raw).and(flush)
}

fn enter() -> io::Result<()> {
    terminal::enable_raw_mode()?;
    let screen = execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide);
    if let Err(e) = screen {
        let _ = restore();
        return Err(e);
    }
    Ok(())
}

/// Holds the terminal while alive; gives it back when dropped (also during
/// unwinding). While it lives, a panic on any thread gives the terminal back
/// before the panic message is printed, so the message lands on the normal
/// screen and the shell is usable even if the process then dies.
pub(crate) struct TerminalGuard {
    previous_hook: Hook,
    panics_seen: u64,
}

impl TerminalGuard {
    /// Enables raw mode, enters the alternate screen and installs the panic
    /// hook.
    pub(crate) fn enter() -> io::Result<Self> {
        let _lock = lock();
        enter()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let previous_hook: Hook = Arc::from(panic::take_hook());
        let chained = Arc::clone(&previous_hook);
        panic::set_hook(Box::new(move |info| {
            // No lock here: the panicking thread may hold it. The swap alone
            // makes sure only one party restores.
            if ACTIVE.swap(false, Ordering::SeqCst) {
                let _ = restore();
                RESTORED_BY_PANIC.fetch_add(1, Ordering::SeqCst);
            }
            chained(info);
        }));
        Ok(TerminalGuard {
            previous_hook,
            panics_seen: RESTORED_BY_PANIC.load(Ordering::SeqCst),
        })
    }

    /// If a panic elsewhere (a worker thread) gave the terminal back while
    /// the dashboard keeps running, takes it again. Returns whether it did,
    /// in which case the screen must be redrawn from scratch.
    pub(crate) fn reclaim_after_panic(&mut self) -> io::Result<bool> {
        let panics = RESTORED_BY_PANIC.load(Ordering::SeqCst);
        if panics == self.panics_seen {
            return Ok(false);
        }
        self.panics_seen = panics;
        let _lock = lock();
        if !ACTIVE.load(Ordering::SeqCst) {
            enter()?;
            ACTIVE.store(true, Ordering::SeqCst);
        }
        Ok(true)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _lock = lock();
        if ACTIVE.swap(false, Ordering::SeqCst) {
            let _ = restore();
        }
        // Put the previous hook back (a hook cannot be set while panicking).
        if !std::thread::panicking() {
            let previous = Arc::clone(&self.previous_hook);
            let _ = panic::take_hook();
            panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}
