//! The one lock the library uses outside the allocation fast path.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// A lock that keeps no record of its waiters, held only for a short update
/// or copy (never across a call into application code). Each user holds it
/// across `fork()` (a `pthread_atfork` prepare handler) and releases it in
/// parent and child, so a child never inherits it locked; a queue-based
/// mutex could instead hand itself to a waiting thread that does not exist
/// in the child, and stay locked forever.
pub(crate) struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is only reached through a guard, and one guard exists
// at a time.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    pub(crate) const fn new(value: T) -> Self {
        SpinLock { locked: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }

    pub(crate) fn lock(&self) -> SpinGuard<'_, T> {
        while self.locked.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            while self.locked.load(Ordering::Relaxed) {
                std::thread::yield_now();
            }
        }
        SpinGuard { lock: self }
    }

    /// # Safety
    /// The holder must be the caller (whose guard was forgotten) or a thread
    /// that no longer exists, and must have left the value consistent.
    #[cfg_attr(not(unix), allow(dead_code))]
    pub(crate) unsafe fn force_unlock(&self) {
        self.locked.store(false, Ordering::Release);
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

