//! A list that keeps its first few elements inline, so that the common
//! small case allocates nothing.

use core::mem::MaybeUninit;

/// Up to `N` elements inline, the rest (all of them, once `N` is passed)
/// in a `Vec`.
pub(crate) struct SmallList<T: Copy, const N: usize> {
    inline: MaybeUninit<[T; N]>,
    len: usize,
    spilled: Vec<T>,
}

impl<T: Copy, const N: usize> SmallList<T, N> {
    #[inline]
    pub(crate) fn new() -> Self {
        SmallList { inline: MaybeUninit::uninit(), len: 0, spilled: Vec::new() }
    }

    #[inline]
    pub(crate) fn push(&mut self, value: T) {
        if self.spilled.is_empty() && self.len < N {
            // SAFETY: `len < N`, so the slot lies inside the inline array.
            unsafe { self.inline.as_mut_ptr().cast::<T>().add(self.len).write(value) };
            self.len += 1;
            return;
        }
        self.spill(value);
    }

    #[cold]
    fn spill(&mut self, value: T) {
        if self.spilled.is_empty() {
            let mut spilled = Vec::with_capacity(N * 2);
            spilled.extend_from_slice(self.inline_slice());
            self.spilled = spilled;
        }
        self.spilled.push(value);
    }

    #[inline]
    fn inline_slice(&self) -> &[T] {
        // SAFETY: the first `len` inline elements were written by `push`.
        unsafe { core::slice::from_raw_parts(self.inline.as_ptr().cast::<T>(), self.len) }
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        if self.spilled.is_empty() {
            self.inline_slice()
        } else {
            &self.spilled
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_inline_and_spilled() {
        let mut list = SmallList::<u32, 4>::new();
        for i in 0..3 {
            list.push(i);
        }
        assert_eq!(list.as_slice(), &[0, 1, 2]);
        for i in 3..10 {
            list.push(i);
        }
        assert_eq!(list.as_slice(), &(0..10).collect::<Vec<_>>()[..]);
    }
}
