//! What building a layer needs: Keras-style names and a seeded random source.

use core::fmt;

/// A layer's name as Keras gives it: `dense`, then `dense_1`, `dense_2`, …
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerName {
    /// The base name (`dense`).
    pub base: &'static str,
    /// How many layers of this kind the model had before this one.
    pub index: usize,
}

impl fmt::Display for LayerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            0 => f.write_str(self.base),
            i => write!(f, "{}_{i}", self.base),
        }
    }
}

const MAX_KINDS: usize = 32;

/// The state that building a model threads through its layers: a counter per
/// layer kind for names, and (with `std`) the seeded random generator that
/// initializers draw from.
#[derive(Clone, Debug)]
pub struct BuildContext {
    kinds: [(&'static str, usize); MAX_KINDS],
    kind_count: usize,
    /// The name the user gave the layer being built, if any.
    given: Option<&'static str>,
    /// The seed of the generator, made on first use (so that a context
    /// can be made in a `const`).
    #[cfg(feature = "std")]
    seed: u64,
    #[cfg(feature = "std")]
    rng: Option<crate::random::Rng>,
}

impl BuildContext {
    /// A context whose initializers draw from a generator seeded with `seed`.
    pub const fn new(seed: u64) -> Self {
        let _ = seed;
        BuildContext {
            kinds: [("", 0); MAX_KINDS],
            kind_count: 0,
            given: None,
            #[cfg(feature = "std")]
            seed,
            #[cfg(feature = "std")]
            rng: None,
        }
    }

    /// The next name for a layer of kind `base`: the name the user gave it
    /// ([`named`](super::WithName::named)), which leaves the counters alone
    /// as in Keras, or else `base`, `base_1`, ….
    pub const fn name(&mut self, base: &'static str) -> LayerName {
        if let Some(given) = self.given.take() {
            return LayerName {
                base: given,
                index: 0,
            };
        }
        let mut i = 0;
        while i < self.kind_count {
            if same(self.kinds[i].0, base) {
                self.kinds[i].1 += 1;
                return LayerName {
                    base,
                    index: self.kinds[i].1 - 1,
                };
            }
            i += 1;
        }
        if self.kind_count < MAX_KINDS {
            self.kinds[self.kind_count] = (base, 1);
            self.kind_count += 1;
        }
        LayerName { base, index: 0 }
    }

    /// Builds with `build`, the first layer it names named `name`.
    pub(crate) fn with_given_name<T>(
        &mut self,
        name: &'static str,
        build: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.given = Some(name);
        let built = build(self);
        self.given = None;
        built
    }

    /// Takes the name the user gave the layer being built, for a layer made
    /// of others (a residual block) whose own name is not the first one it
    /// asks for.
    pub(crate) fn take_given_name(&mut self) -> Option<&'static str> {
        self.given.take()
    }

    /// The random generator initializers draw from.
    #[cfg(feature = "std")]
    pub fn rng(&mut self) -> &mut crate::random::Rng {
        let seed = self.seed;
        self.rng
            .get_or_insert_with(|| crate::random::Rng::seed_from(seed))
    }
}

/// Whether two names are the same, in a `const`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl Default for BuildContext {
    fn default() -> Self {
        BuildContext::new(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate alloc;
    use alloc::string::ToString;

    #[test]
    fn names_count_per_kind_like_keras() {
        let mut ctx = BuildContext::default();
        assert_eq!(ctx.name("dense").to_string(), "dense");
        assert_eq!(ctx.name("conv2d").to_string(), "conv2d");
        assert_eq!(ctx.name("dense").to_string(), "dense_1");
        assert_eq!(ctx.name("dense").to_string(), "dense_2");
        let named = ctx.with_given_name("cls", |ctx| ctx.name("dense"));
        assert_eq!(named.to_string(), "cls");
        assert_eq!(ctx.name("dense").to_string(), "dense_3");
    }
}
