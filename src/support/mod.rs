//! Small mechanisms every layer may use; this layer depends on nothing of
//! the library.

pub(crate) mod env;
pub(crate) mod line;
pub(crate) mod lock;
pub(crate) mod small;
pub(crate) mod unwind;
