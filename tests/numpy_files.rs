//! Tensors from numpy's own `.npy` / `.npz` files (tests/fixtures/numpy/,
//! written by tools/make_fixtures.py), and back.
mod common;

use corten::shape::{Const, Dyn};
use corten::{Error, Tensor};

fn path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/numpy/{name}"))
}

#[test]
fn numpy_arrays_of_each_element_type_load() {
    let f32s = Tensor::<(Dyn, Const<4>), f32>::read_npy(path("f32.npy")).unwrap();
    assert_eq!(f32s.sizes(), &[3, 4]);
    let want: Vec<f32> = (0..12).map(|i| i as f32 / 4.0).collect();
    assert_eq!(f32s.as_slice(), want.as_slice());
    let f64s = Tensor::<(Const<3>, Const<4>), f64>::read_npy(path("f64.npy")).unwrap();
    assert_eq!(f64s.as_slice()[11], 11.0 / 8.0);
    // Integer labels, as Keras users keep them, become class indices.
    let labels = Tensor::<(Dyn,), f32>::read_npy(path("i64.npy")).unwrap();
    assert_eq!(labels.as_slice(), &[-3.0, -2.0, -1.0, 0.0, 1.0, 2.0]);
    let images =
        Tensor::<(Dyn, Const<2>, Const<2>, Const<1>), f32>::read_npy(path("u8.npy")).unwrap();
    assert_eq!(images.as_slice()[7], 210.0);
    let mask = Tensor::<(Dyn,), f32>::read_npy(path("bool.npy")).unwrap();
    assert_eq!(mask.as_slice(), &[1.0, 0.0, 1.0]);
    // An archive's arrays by name.
    let x = Tensor::<(Dyn, Const<4>), f32>::read_npz(path("data.npz"), "x").unwrap();
    assert_eq!(x.as_slice(), want.as_slice());
    let y = Tensor::<(Dyn,), f32>::read_npz(path("data.npz"), "y").unwrap();
    assert_eq!(y.as_slice(), &[0.0, 1.0, 2.0]);
}

#[test]
fn archives_written_hold_each_array_as_numpy_lays_it_out() {
    let x = Tensor::from_array([[1.5f32, -2.0, 3.25], [0.0, 4.0, 5.0]]);
    let ids = Tensor::<(Dyn,), f64>::from_ids((Dyn(3),), &[7u32, 0, 16_777_217]).unwrap();
    let npz = corten::tensor::Npz::new()
        .with("x", &x)
        .with("ids", &ids)
        .with("x", &x);
    let bytes = npz.to_bytes().unwrap();
    // A zip of stored entries `x.npy`, `ids.npy`, each the `.npy` bytes.
    let entry = |name: &str| {
        let at = bytes
            .windows(name.len())
            .position(|w| w == name.as_bytes())
            .unwrap_or_else(|| panic!("{name} not in the archive"));
        assert_eq!(
            &bytes[at - 30..at - 26],
            b"PK\x03\x04",
            "a local file header"
        );
        assert_eq!(&bytes[at - 22..at - 20], &[0, 0], "stored, not compressed");
    };
    entry("x.npy");
    entry("ids.npy");
    assert_eq!(
        bytes.windows(5).filter(|w| w == b"x.npy").count(),
        2,
        "one x: its local header and its directory entry"
    );
    let back = Tensor::<(Dyn, Const<3>), f32>::from_npz_bytes(&bytes, "x").unwrap();
    assert_eq!(back.as_slice(), x.as_slice());
    let back = Tensor::<(Dyn,), f64>::from_npz_bytes(&bytes, "ids").unwrap();
    assert_eq!(back.as_slice(), &[7.0, 0.0, 16_777_217.0]);
    // And as a file.
    let path = std::env::temp_dir().join(format!("corten-npz-{}.npz", std::process::id()));
    npz.write(&path).unwrap();
    let back = Tensor::<(Dyn, Const<3>), f32>::read_npz(&path, "x").unwrap();
    assert_eq!(back.as_slice(), x.as_slice());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn integers_are_read_exactly_or_not_at_all() {
    // float32 tells apart the integers below 2^24: 16777217 would become
    // 16777216, another id.
    let err = Tensor::<(Dyn,), f32>::read_npy(path("ids_large.npy")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "integer too large for float32: element 1 is 16777216, but float32 tells apart only the integers below 16777216 in size; use f64 elements"
    );
    // float64 holds them, up to 2^53.
    let err = Tensor::<(Dyn,), f64>::read_npy(path("ids_large.npy")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("integer too large for float64: element 4 is 9007199254740993"),
        "{err}"
    );
    let ids = [16_777_215u64, 16_777_216, 16_777_217, (1 << 53) - 1];
    let exact = Tensor::<(Dyn,), f64>::from_ids((Dyn(4),), &ids).unwrap();
    assert_eq!(
        exact.as_slice(),
        &[
            16_777_215.0,
            16_777_216.0,
            16_777_217.0,
            9_007_199_254_740_991.0
        ]
    );
    // From any integer type: negative ids pass through (an Embedding refuses them).
    let small = Tensor::<(Dyn,), f32>::from_ids((Dyn(3),), &[-1i8, 0, 127]).unwrap();
    assert_eq!(small.as_slice(), &[-1.0, 0.0, 127.0]);
    let from_usize = Tensor::<(Dyn,), f32>::from_ids((Dyn(2),), &[16_777_215usize, 7]).unwrap();
    assert_eq!(from_usize.as_slice(), &[16_777_215.0, 7.0]);
    assert!(
        Tensor::<(Dyn,), f32>::from_ids((Dyn(2),), &[1u32]).is_err(),
        "length"
    );
}

#[test]
fn files_that_do_not_fit_are_errors() {
    // Another shape than the type's.
    let err = Tensor::<(Dyn, Const<5>), f32>::read_npy(path("f32.npy")).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    type Rows = Tensor<(Dyn, Const<4>), f32>;
    let messages = [
        (
            Tensor::<(Dyn,), f32>::read_npy(path("big_endian.npy")).map(drop),
            "big-endian",
        ),
        (Rows::read_npy(path("fortran.npy")).map(drop), "Fortran"),
        (
            Rows::read_npz(path("compressed.npz"), "x").map(drop),
            "np.savez_compressed",
        ),
        (
            Rows::read_npz(path("data.npz"), "z").map(drop),
            "no array `z`",
        ),
        (
            Tensor::<(Dyn,), f32>::from_npy_bytes(b"not numpy").map(drop),
            "no numpy magic",
        ),
    ];
    for (result, words) in messages {
        let err = result.unwrap_err().to_string();
        assert!(err.contains(words), "`{err}` should say {words}");
    }
    // An element type that is not ASCII (found by the fuzzer: it panicked).
    let mut header = b"\x93NUMPY\x01\x00\x2e\x00{'descr': '\xc3\xa94', 'fortran_order': False, 'shape': (1,), }\n".to_vec();
    header.extend_from_slice(&[0; 4]);
    let err = Tensor::<(Dyn,), f32>::from_npy_bytes(&header).unwrap_err();
    assert!(err.to_string().contains("element type"), "{err}");
    let bytes = std::fs::read(path("f32.npy")).unwrap();
    let err =
        Tensor::<(Dyn, Const<4>), f32>::from_npy_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    assert!(matches!(
        Tensor::<(Dyn,), f32>::read_npy(path("missing.npy")).unwrap_err(),
        Error::Io { .. }
    ));
}

#[test]
fn written_files_read_back_and_corruption_never_panics() {
    let t =
        Tensor::<(Dyn, Const<3>), f64>::from_sizes(&[2, 3], vec![0.5, -1.0, 2.0, 3.0, 4.0, 1e-300])
            .unwrap();
    let bytes = t.to_npy_bytes();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    assert_eq!(
        (10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize) % 64,
        0,
        "data aligned"
    );
    let back = Tensor::<(Dyn, Const<3>), f64>::from_npy_bytes(&bytes).unwrap();
    assert_eq!(back.as_slice(), t.as_slice());
    let cases = common::corruption_cases(2_000, 20_000);
    common::corrupt(&bytes, 0x1234_5678_9abc_def1, cases, |bad| {
        if let Ok(t) = Tensor::<(Dyn, Const<3>), f64>::from_npy_bytes(bad) {
            assert_eq!(t.as_slice().len(), 3 * t.sizes()[0]);
        }
    });
    // An archive numpy wrote, damaged: its zip records and the array in it.
    let archive = std::fs::read(path("data.npz")).unwrap();
    common::corrupt(&archive, 0x0bad_5eed_0bad_5eed, cases, |bad| {
        if let Ok(x) = Tensor::<(Dyn, Const<4>), f32>::from_npz_bytes(bad, "x") {
            assert_eq!(x.as_slice().len(), 4 * x.sizes()[0]);
        }
    });
}
