//! Where each node's output lives while a graph runs: one arena, planned
//! once in per-sample units, a node's buffer reused as soon as the last
//! node that reads it has run.

use alloc::vec::Vec;

/// A buffer in the arena, in elements per sample (times the batch at run
/// time: buffers that do not overlap per sample do not overlap for any
/// batch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

impl Slot {
    pub(crate) fn end(&self) -> usize {
        self.offset + self.len
    }
}

/// Places buffers of `lens[i]` elements, buffer `i` written at step `i` and
/// last read at step `last_read[i]` (≥ i; `usize::MAX` for buffers kept to
/// the end), first fit. Returns each buffer's slot and the arena's length.
pub(crate) fn place(lens: &[usize], last_read: &[usize]) -> (Vec<Slot>, usize) {
    let mut slots: Vec<Slot> = Vec::with_capacity(lens.len());
    let mut arena = 0;
    for (step, &len) in lens.iter().enumerate() {
        // Buffers still needed at this step: written before it and read at
        // or after it (a node never writes over its own inputs).
        let mut live: Vec<Slot> = slots
            .iter()
            .zip(last_read)
            .filter(|&(_, &last)| last >= step)
            .map(|(s, _)| *s)
            .collect();
        live.sort_by_key(|s| s.offset);
        let mut offset = 0;
        for s in &live {
            if s.offset >= offset + len {
                break;
            }
            offset = offset.max(s.end());
        }
        let slot = Slot { offset, len };
        arena = arena.max(slot.end());
        slots.push(slot);
    }
    (slots, arena)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlap(a: Slot, b: Slot) -> bool {
        a.offset < b.end() && b.offset < a.end()
    }

    #[test]
    fn a_chain_needs_two_buffers_not_one_per_node() {
        // Five nodes in a chain, each read by the next.
        let (slots, arena) = place(&[8, 8, 8, 8, 8], &[1, 2, 3, 4, usize::MAX]);
        assert_eq!(arena, 16);
        for w in slots.windows(2) {
            assert!(!overlap(w[0], w[1]));
        }
    }

    #[test]
    fn buffers_alive_together_never_overlap() {
        // A skip connection: node 0 is read by nodes 1 and 3.
        let lens = [4, 6, 2, 4, 5];
        let last = [3, 2, 3, 4, usize::MAX];
        let (slots, arena) = place(&lens, &last);
        for i in 0..lens.len() {
            for j in 0..i {
                // j written before i, and still read at step i or later.
                if last[j] >= i {
                    assert!(!overlap(slots[i], slots[j]), "{i} and {j}");
                }
            }
            assert!(slots[i].end() <= arena);
        }
        assert!(arena < lens.iter().sum::<usize>());
    }
}
