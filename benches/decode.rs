//! Decoding the inventory: time per record, and the heap a decoded record keeps (counted by
//! a global allocator that tallies live bytes). Run: `cargo bench --bench decode`.

mod support;

use serde::de::DeserializeOwned;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_ALLOCS: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(l.size() as isize, Ordering::Relaxed);
        LIVE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the layout is passed through unchanged.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE_BYTES.fetch_sub(l.size() as isize, Ordering::Relaxed);
        LIVE_ALLOCS.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: `p` came from `alloc` above with this layout.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> (isize, isize) {
    (
        LIVE_BYTES.load(Ordering::Relaxed),
        LIVE_ALLOCS.load(Ordering::Relaxed),
    )
}

/// Decodes `json` (an array) ten times; prints the median time and what one decoded copy
/// keeps on the heap, per record.
fn measure<T: DeserializeOwned>(what: &str, json: &[u8]) {
    let mut times: Vec<Duration> = Vec::new();
    let mut kept = (0, 0, 0);
    for _ in 0..10 {
        let before = live();
        let t = Instant::now();
        let rows: Vec<T> = serde_json::from_slice(json).expect("decodes");
        times.push(t.elapsed());
        let after = live();
        // The outer vector's spare room is the listing's, not the record's.
        let spare = (rows.capacity() * std::mem::size_of::<T>()) as isize;
        kept = (
            rows.len(),
            after.0 - before.0 - spare,
            after.1 - before.1 - 1,
        );
        drop(rows);
    }
    times.sort();
    let (n, bytes, allocs) = kept;
    let n = n.max(1);
    println!(
        "decode/{what:<9} {n:>6} records: {:>6.2} ms ({:.2} us each); heap per record {} B + {} B inline, {:.1} allocations",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e6 / n as f64,
        bytes / n as isize,
        std::mem::size_of::<T>(),
        allocs as f64 / n as f64,
    );
}

/// A listing as the wire sends it: the model serialises with the wire's field names.
fn wire<T: serde::Serialize>(rows: &[T]) -> Vec<u8> {
    serde_json::to_vec(rows).expect("serialises")
}

fn main() {
    let inv = support::inventory();
    let servers: Vec<_> = inv.ecs.iter().chain(&inv.bms).cloned().collect();
    measure::<reimage::cloud::model::Server>("servers", &wire(&servers));
    measure::<reimage::cloud::model::Image>("images", &wire(&inv.images));
    measure::<reimage::cloud::model::Keypair>("keypairs", &wire(&inv.keypairs));
}
