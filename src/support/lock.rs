//! The one lock the library uses outside the allocation fast path, and the
//! fork-safety registry every such lock joins.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

/// A lock that keeps no record of its waiters, held only for a short update
/// or copy: never across a call into application code, and never while
/// another library lock is taken (so the fork handler, which takes them all,
/// cannot deadlock). Every lock joins the fork registry before its first
/// use: `fork()` then holds it in the parent and releases it in parent and
/// child, so a child never inherits it locked; a queue-based mutex could
/// instead hand itself to a waiting thread that does not exist in the child,
/// and stay locked forever.
///
/// Locks live in statics: the registry keeps a reference to each.
pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    joined: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, and one guard exists
// at a time.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub(crate) const fn new(value: T) -> Self {
        SpinLock { locked: AtomicBool::new(false), joined: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }

    pub(crate) fn lock(&'static self) -> SpinGuard<'static, T> {
        if !self.joined.load(Ordering::Acquire) {
            self.join_fork_registry();
        }
        acquire(&self.locked);
        SpinGuard { lock: self }
    }

    #[cold]
    fn join_fork_registry(&'static self) {
        if !self.joined.swap(true, Ordering::AcqRel) {
            fork::join(&self.locked);
        }
    }
}

fn acquire(locked: &AtomicBool) {
    while locked.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
        while locked.load(Ordering::Relaxed) {
            std::thread::yield_now();
        }
    }
}

pub(crate) struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> core::ops::Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard is the only access while it lives.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> core::ops::DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard is the only access while it lives.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}

/// Runs `hook` in the child after every `fork()` (once registered; adding
/// the same hook again does nothing). Hooks run after the locks are free,
/// on the child's only thread.
pub(crate) fn after_fork_in_child(hook: fn()) {
    fork::add_child_hook(hook);
}

/// The registry: one `pthread_atfork` trio for the whole library, which
/// takes every joined lock before `fork()` and releases them all after it.
mod fork {
    use super::*;

    /// More than the library has locks; a lock beyond it would not be
    /// fork-safe, which the debug assertion in `join` catches in tests.
    const CAPACITY: usize = 32;

    static LOCKS: [AtomicPtr<AtomicBool>; CAPACITY] = [const { AtomicPtr::new(core::ptr::null_mut()) }; CAPACITY];
    static JOINED: AtomicUsize = AtomicUsize::new(0);
    /// Functions to run in the child, after the locks are released.
    static CHILD_HOOKS: [AtomicPtr<()>; 4] = [const { AtomicPtr::new(core::ptr::null_mut()) }; 4];

    pub(super) fn add_child_hook(hook: fn()) {
        install_handlers();
        let hook = hook as *mut ();
        for slot in &CHILD_HOOKS {
            match slot.compare_exchange(core::ptr::null_mut(), hook, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(present) if present == hook => return,
                Err(_) => {}
            }
        }
        debug_assert!(false, "more fork child hooks than the registry holds");
    }

    pub(super) fn join(locked: &'static AtomicBool) {
        install_handlers();
        let index = JOINED.fetch_add(1, Ordering::AcqRel);
        debug_assert!(index < CAPACITY, "more library locks than the fork registry holds");
        if let Some(slot) = LOCKS.get(index) {
            slot.store(locked as *const AtomicBool as *mut AtomicBool, Ordering::Release);
        }
    }

    /// Installs the handlers once. (Not a `Once`: a child forked while
    /// another thread runs it would wait for it forever.)
    fn install_handlers() {
        static INSTALLED: AtomicBool = AtomicBool::new(false);
        if INSTALLED.swap(true, Ordering::AcqRel) {
            return;
        }
        #[cfg(unix)]
        // SAFETY: registers plain extern "C" functions with no captures.
        unsafe {
            libc::pthread_atfork(Some(before_fork), Some(after_fork), Some(child_after_fork));
        }
    }

    #[cfg(unix)]
    fn each_lock(f: impl Fn(&AtomicBool)) {
        for slot in &LOCKS {
            let lock = slot.load(Ordering::Acquire);
            if !lock.is_null() {
                // SAFETY: only `&'static AtomicBool`s are stored here.
                f(unsafe { &*lock })
            }
        }
    }

    /// Takes every lock, in registry order. No lock is held while another
    /// is taken, so no thread can hold one of them while waiting for one
    /// this handler already holds.
    #[cfg(unix)]
    extern "C" fn before_fork() {
        each_lock(acquire);
    }

    /// In the parent, releases what `before_fork` took on this thread; in
    /// the child, where this thread is the only one, the same.
    #[cfg(unix)]
    extern "C" fn after_fork() {
        each_lock(|locked| locked.store(false, Ordering::Release));
    }

    #[cfg(unix)]
    extern "C" fn child_after_fork() {
        after_fork();
        for slot in &CHILD_HOOKS {
            let hook = slot.load(Ordering::Acquire);
            if !hook.is_null() {
                // SAFETY: only `fn()` pointers are stored in CHILD_HOOKS.
                let hook: fn() = unsafe { core::mem::transmute::<*mut (), fn()>(hook) };
                hook();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static COUNTER: SpinLock<u64> = SpinLock::new(0);

    #[test]
    fn excludes_and_joins_the_registry() {
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        *COUNTER.lock() += 1;
                    }
                });
            }
        });
        assert_eq!(*COUNTER.lock(), 40_000);
        assert!(COUNTER.joined.load(Ordering::Acquire));
    }
}
