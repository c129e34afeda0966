//! The committed `include/napUtil.h` must be exactly what the build
//! generates from the current sources.

const COMMITTED: &str = include_str!("../include/napUtil.h");
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/napUtil.h"));

#[test]
fn header_is_current() {
    if COMMITTED == GENERATED {
        return;
    }
    let first_difference = COMMITTED
        .lines()
        .zip(GENERATED.lines())
        .position(|(committed, generated)| committed != generated)
        .unwrap_or_else(|| COMMITTED.lines().count().min(GENERATED.lines().count()));
    panic!(
        "include/napUtil.h is out of date (first difference at line {}): run `make header` \
         (NAPUTIL_UPDATE_HEADER=1 cargo build) and commit the result",
        first_difference + 1
    );
}
