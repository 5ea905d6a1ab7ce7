//! The subset of HDF5 that h5py writes for Keras's `.weights.h5` files, read
//! from bytes with every offset checked: superblock version 0 or 1 with
//! 8-byte offsets and lengths, version 1 object headers (with
//! continuations), groups as symbol tables (version 1 B-trees, local
//! heaps), datasets of little-endian IEEE floats stored contiguously or
//! compactly. Anything else — another superblock, chunked or compressed
//! data, shared messages, big-endian or non-float data — is an error that
//! says so, never a panic, and no read goes past the bytes given.

use crate::error::Error;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The most messages, B-tree levels and group entries followed: bounds on
/// the work a hostile file can cause.
const MAX_MESSAGES: usize = 4096;
const MAX_DEPTH: usize = 32;
const MAX_ENTRIES: usize = 1 << 20;
const MAX_NODES: usize = 1 << 16;

fn bad(problem: impl Into<String>) -> Error {
    Error::WeightFile {
        tensor: None,
        problem: problem.into(),
    }
}

/// A dataset's element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Float {
    F32,
    F64,
}

/// A dataset: its shape, element type, and raw little-endian data.
#[derive(Clone, Debug)]
pub(crate) struct Dataset<'a> {
    pub shape: Vec<usize>,
    pub dtype: Float,
    pub data: &'a [u8],
}

impl Dataset<'_> {
    /// The values as `f64`.
    pub(crate) fn values(&self) -> Vec<f64> {
        match self.dtype {
            Float::F32 => self
                .data
                .chunks_exact(4)
                .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
            Float::F64 => self
                .data
                .chunks_exact(8)
                .map(|b| {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    f64::from_le_bytes(a)
                })
                .collect(),
        }
    }
}

/// What an object header describes.
#[derive(Clone, Debug)]
pub(crate) enum Object<'a> {
    /// A group: its members' names and object header addresses, sorted by name.
    Group(Vec<(String, u64)>),
    Dataset(Dataset<'a>),
    /// Something else (a named datatype, a dataset without data).
    Other,
}

/// An HDF5 file in memory.
pub(crate) struct File<'a> {
    data: &'a [u8],
    root: u64,
}

/// Bounds-checked little-endian reads.
fn bytes(data: &[u8], at: u64, len: usize) -> Result<&[u8], Error> {
    let start = usize::try_from(at).map_err(|_| bad("an offset past the end of the file"))?;
    let end = start
        .checked_add(len)
        .ok_or_else(|| bad("an offset past the end of the file"))?;
    data.get(start..end).ok_or_else(|| {
        bad(format!(
            "truncated: {len} bytes at offset {start} are past the end ({} bytes)",
            data.len()
        ))
    })
}

fn u8_at(data: &[u8], at: u64) -> Result<u8, Error> {
    Ok(bytes(data, at, 1)?[0])
}

fn u16_at(data: &[u8], at: u64) -> Result<u16, Error> {
    let b = bytes(data, at, 2)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], at: u64) -> Result<u32, Error> {
    let b = bytes(data, at, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(data: &[u8], at: u64) -> Result<u64, Error> {
    let b = bytes(data, at, 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(u64::from_le_bytes(a))
}

/// `at + delta`, or an error (a hostile offset).
fn plus(at: u64, delta: u64) -> Result<u64, Error> {
    at.checked_add(delta)
        .ok_or_else(|| bad("an offset past the end of the file"))
}

const UNDEFINED: u64 = u64::MAX;

impl<'a> File<'a> {
    /// Checks the superblock and finds the root group.
    pub(crate) fn open(data: &'a [u8]) -> Result<Self, Error> {
        const SIGNATURE: [u8; 8] = [0x89, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];
        if data.get(..8) != Some(&SIGNATURE[..]) {
            return Err(bad("not an HDF5 file (no HDF5 signature at its start)"));
        }
        let version = u8_at(data, 8)?;
        if version > 1 {
            return Err(bad(format!(
                "HDF5 superblock version {version}: only versions 0 and 1 (what h5py writes by default) are read"
            )));
        }
        if u8_at(data, 13)? != 8 || u8_at(data, 14)? != 8 {
            return Err(bad(
                "HDF5 offsets or lengths other than 8 bytes are not read",
            ));
        }
        // Version 1 adds 4 bytes (indexed storage K and reserved).
        let addresses = if version == 0 { 24 } else { 28 };
        let base = u64_at(data, addresses)?;
        if base != 0 {
            return Err(bad("an HDF5 file with a user block is not read"));
        }
        // The root group's symbol table entry follows the four addresses.
        let root = u64_at(data, addresses + 32 + 8)?;
        Ok(File { data, root })
    }

    /// The object at the path `a/b/c` from the root.
    pub(crate) fn get(&self, path: &str) -> Result<Option<Object<'a>>, Error> {
        let mut object = self.object(self.root)?;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let Object::Group(members) = object else {
                return Ok(None);
            };
            match members.iter().find(|(name, _)| name == part) {
                Some(&(_, address)) => object = self.object(address)?,
                None => return Ok(None),
            }
        }
        Ok(Some(object))
    }

    /// Reads the object header at `address`.
    pub(crate) fn object(&self, address: u64) -> Result<Object<'a>, Error> {
        let data = self.data;
        if u8_at(data, address)? != 1 {
            return Err(bad(format!(
                "an object header of version {} at offset {address}: only version 1 is read",
                u8_at(data, address)?
            )));
        }
        let count = usize::from(u16_at(data, plus(address, 2)?)?);
        let size = u64::from(u32_at(data, plus(address, 8)?)?);
        // Messages: (type, flags, body offset, body length), from the header
        // block and its continuations.
        let mut blocks = alloc::vec![(plus(address, 16)?, size)];
        let mut messages = Vec::new();
        while let Some((start, len)) = blocks.pop() {
            let end = plus(start, len)?;
            let mut at = start;
            while at.saturating_add(8) <= end && messages.len() < count.min(MAX_MESSAGES) {
                let kind = u16_at(data, at)?;
                let body_len = u64::from(u16_at(data, plus(at, 2)?)?);
                let flags = u8_at(data, plus(at, 4)?)?;
                let body = plus(at, 8)?;
                bytes(data, body, usize::from(u16_at(data, plus(at, 2)?)?))?;
                if kind == 0x10 {
                    let next = u64_at(data, body)?;
                    let next_len = u64_at(data, plus(body, 8)?)?;
                    if blocks.len() + messages.len() < MAX_MESSAGES {
                        blocks.push((next, next_len));
                    }
                }
                messages.push((kind, flags, body, body_len));
                at = plus(body, body_len)?;
            }
        }
        let find = |kind: u16| messages.iter().find(|m| m.0 == kind).copied();
        if let Some((_, _, body, _)) = find(0x11) {
            let tree = u64_at(data, body)?;
            let heap = u64_at(data, plus(body, 8)?)?;
            return Ok(Object::Group(self.group(tree, heap)?));
        }
        let (Some(space), Some(dtype), Some(layout)) = (find(0x01), find(0x03), find(0x08)) else {
            return Ok(Object::Other);
        };
        if dtype.1 & 0x02 != 0 {
            return Err(bad("a shared HDF5 datatype is not read"));
        }
        let shape = self.dataspace(space.2)?;
        let dtype = self.datatype(dtype.2)?;
        let width = match dtype {
            Float::F32 => 4usize,
            Float::F64 => 8,
        };
        let count = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .and_then(|n| n.checked_mul(width))
            .ok_or_else(|| bad("a dataset whose size overflows"))?;
        let data_bytes = self.layout(layout.2, count)?;
        Ok(Object::Dataset(Dataset {
            shape,
            dtype,
            data: data_bytes,
        }))
    }

    fn dataspace(&self, body: u64) -> Result<Vec<usize>, Error> {
        let data = self.data;
        let version = u8_at(data, body)?;
        let rank = usize::from(u8_at(data, plus(body, 1)?)?);
        let dims_at = match version {
            1 => plus(body, 8)?,
            2 => plus(body, 4)?,
            v => return Err(bad(format!("HDF5 dataspace version {v} is not read"))),
        };
        if rank > 32 {
            return Err(bad(format!("a dataset of {rank} dimensions")));
        }
        (0..rank)
            .map(|i| {
                let d = u64_at(data, plus(dims_at, 8 * i as u64)?)?;
                usize::try_from(d).map_err(|_| bad("a dimension too large for this machine"))
            })
            .collect()
    }

    fn datatype(&self, body: u64) -> Result<Float, Error> {
        let data = self.data;
        let class = u8_at(data, body)? & 0x0f;
        let bits = u8_at(data, plus(body, 1)?)?;
        let size = u32_at(data, plus(body, 4)?)?;
        match (class, bits & 0x01, size) {
            (1, 0, 4) => Ok(Float::F32),
            (1, 0, 8) => Ok(Float::F64),
            (1, _, _) => Err(bad(format!(
                "a {size}-byte or big-endian float dataset: only little-endian float32 and float64 are read"
            ))),
            (c, _, _) => Err(bad(format!(
                "a dataset of HDF5 type class {c}: only floats are read"
            ))),
        }
    }

    fn layout(&self, body: u64, len: usize) -> Result<&'a [u8], Error> {
        let data = self.data;
        let version = u8_at(data, body)?;
        if version != 3 && version != 4 {
            return Err(bad(format!(
                "HDF5 data layout version {version} is not read"
            )));
        }
        match u8_at(data, plus(body, 1)?)? {
            0 => {
                let size = usize::from(u16_at(data, plus(body, 2)?)?);
                if size != len {
                    return Err(bad("a compact dataset of another size than its shape"));
                }
                bytes(data, plus(body, 4)?, size)
            }
            1 => {
                let address = u64_at(data, plus(body, 2)?)?;
                let size = u64_at(data, plus(body, 10)?)?;
                if address == UNDEFINED && len == 0 {
                    return Ok(&[]);
                }
                if size != len as u64 {
                    return Err(bad("a contiguous dataset of another size than its shape"));
                }
                bytes(data, address, len)
            }
            2 => Err(bad("a chunked (or compressed) HDF5 dataset is not read")),
            c => Err(bad(format!("HDF5 data layout class {c} is not read"))),
        }
    }

    /// A symbol-table group's members, sorted by name.
    fn group(&self, tree: u64, heap: u64) -> Result<Vec<(String, u64)>, Error> {
        let data = self.data;
        if bytes(data, heap, 4)? != b"HEAP" {
            return Err(bad("a group's local heap has no HEAP signature"));
        }
        let heap_size = u64_at(data, plus(heap, 8)?)?;
        let heap_data = u64_at(data, plus(heap, 24)?)?;
        let names = bytes(
            data,
            heap_data,
            usize::try_from(heap_size).map_err(|_| bad("a local heap too large"))?,
        )?;
        let mut members = Vec::new();
        let mut budget = MAX_NODES;
        self.tree(tree, names, &mut members, 0, &mut budget)?;
        members.sort();
        Ok(members)
    }

    fn tree(
        &self,
        node: u64,
        names: &[u8],
        members: &mut Vec<(String, u64)>,
        depth: usize,
        budget: &mut usize,
    ) -> Result<(), Error> {
        let data = self.data;
        if depth > MAX_DEPTH {
            return Err(bad("a group's B-tree deeper than 32 levels (a cycle?)"));
        }
        *budget = budget
            .checked_sub(1)
            .ok_or_else(|| bad("a group's B-tree of more than 65536 nodes (a cycle?)"))?;
        if bytes(data, node, 4)? != b"TREE" {
            return Err(bad("a group's B-tree node has no TREE signature"));
        }
        if u8_at(data, plus(node, 4)?)? != 0 {
            return Err(bad(
                "a group's B-tree holds something else than group entries",
            ));
        }
        let level = u8_at(data, plus(node, 5)?)?;
        let used = u64::from(u16_at(data, plus(node, 6)?)?);
        // After the 24-byte header: key, child, key, …, child, key.
        for i in 0..used {
            let child = u64_at(data, plus(node, 24 + 8 + 16 * i)?)?;
            if level > 0 {
                self.tree(child, names, members, depth + 1, budget)?;
            } else {
                self.symbols(child, names, members)?;
            }
        }
        Ok(())
    }

    fn symbols(
        &self,
        node: u64,
        names: &[u8],
        members: &mut Vec<(String, u64)>,
    ) -> Result<(), Error> {
        let data = self.data;
        if bytes(data, node, 4)? != b"SNOD" {
            return Err(bad("a group's symbol node has no SNOD signature"));
        }
        let count = u64::from(u16_at(data, plus(node, 6)?)?);
        for i in 0..count {
            if members.len() >= MAX_ENTRIES {
                return Err(bad("a group with more than a million entries"));
            }
            let entry = plus(node, 8 + 40 * i)?;
            let name_at =
                usize::try_from(u64_at(data, entry)?).map_err(|_| bad("a name past its heap"))?;
            let address = u64_at(data, plus(entry, 8)?)?;
            let tail = names
                .get(name_at..)
                .ok_or_else(|| bad("a member name past its group's heap"))?;
            let len = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or_else(|| bad("a member name without its terminating zero"))?;
            let name = core::str::from_utf8(&tail[..len])
                .map_err(|_| bad("a member name that is not UTF-8"))?;
            members.push((name.into(), address));
        }
        Ok(())
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    /// Differential: every HDF5 fixture (Keras 3's `.weights.h5` and
    /// `.keras`, the legacy `.h5` of Keras 2 and 3) read here and by
    /// libhdf5 (h5py, `hdf5_listing()` in tools/make_fixtures.py): the same
    /// datasets at the same paths, of the same shapes, bit for bit the same
    /// values. (Not under Miri: it reads files, which Miri's isolation
    /// forbids, and the reader is safe code.)
    #[test]
    #[cfg_attr(miri, ignore)]
    fn every_fixture_reads_as_libhdf5_reads_it() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras");
        let listing = std::fs::read_to_string(root.join("hdf5_listing.txt")).unwrap();
        let mut files: Vec<(&str, Vec<&str>)> = Vec::new();
        for line in listing.lines() {
            match line.strip_prefix("file ") {
                Some(name) => files.push((name, Vec::new())),
                None => files.last_mut().unwrap().1.push(line),
            }
        }
        assert!(files.len() >= 10, "{} files listed", files.len());
        let mut compared = 0;
        for (name, datasets) in files {
            let bytes = std::fs::read(root.join(name)).unwrap();
            let h5 = match name.ends_with(".keras") {
                true => crate::keras::zip_entry(&bytes, "model.weights.h5").unwrap(),
                false => bytes,
            };
            let file = File::open(&h5).unwrap();
            let Some(Object::Group(members)) = file.get("").unwrap() else {
                panic!("{name}: no root group");
            };
            let mut ours = Vec::new();
            crate::keras::datasets_below(&file, &members, "", &mut ours, 0).unwrap();
            // Paths as h5py writes them: `a/b`, not `/a/b`.
            for (path, _) in &mut ours {
                path.remove(0);
            }
            ours.sort_by(|a, b| a.0.cmp(&b.0));
            let mut theirs: Vec<Vec<&str>> = datasets
                .iter()
                .map(|l| l.split(' ').skip(1).collect())
                .collect();
            theirs.sort_by(|a, b| a[0].cmp(b[0]));
            let paths =
                |v: &[(String, Dataset<'_>)]| v.iter().map(|d| d.0.clone()).collect::<Vec<_>>();
            let their_paths: Vec<String> = theirs.iter().map(|t| String::from(t[0])).collect();
            assert_eq!(paths(&ours), their_paths, "{name}: the datasets");
            for ((path, dataset), t) in ours.iter().zip(&theirs) {
                let (dtype, shape) = (t[1], t[2]);
                assert_eq!(dtype, "<f4", "{name} {path}");
                assert_eq!(dataset.dtype, Float::F32, "{name} {path}");
                let shape: Vec<usize> = shape
                    .trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect();
                assert_eq!(dataset.shape, shape, "{name} {path}: shape");
                let want: Vec<f64> = t[4..].iter().map(|v| v.parse().unwrap()).collect();
                assert_eq!(t[3].parse::<usize>().unwrap(), want.len());
                let got = dataset.values();
                assert_eq!(got.len(), want.len(), "{name} {path}: count");
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(g.to_bits(), w.to_bits(), "{name} {path}[{i}]: {g} vs {w}");
                }
                compared += 1;
            }
        }
        assert!(compared >= 100, "{compared} datasets compared");
    }
}
