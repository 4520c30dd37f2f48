//! Lets kefu's binaries find the sherpa-onnx and ONNX Runtime shared libraries at run time.
//!
//! sherpa-onnx-sys emits its rpath as `rustc-link-arg`, which only reaches its own targets, never kefu's.
//! It copies the libraries into `target/<profile>/`: `$ORIGIN` finds them from `kefu`, `$ORIGIN/..` from test
//! binaries in `deps/`; the unpacked `.native` folder is the fallback.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SHERPA_ONNX_LIB_DIR");
    let mut rpath = String::from("$ORIGIN:$ORIGIN/..");
    if let Some(dir) = std::env::var_os("SHERPA_ONNX_LIB_DIR") {
        rpath.push(':');
        rpath.push_str(&dir.to_string_lossy());
    }
    println!("cargo:rustc-link-arg=-Wl,-rpath,{rpath}");
}
