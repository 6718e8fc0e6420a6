//! `spec-check SPEC.yaml [OUT.rs]`: run the SDK's spec checks and progenitor on one spec,
//! print every problem (naming the operation), and optionally write the generated code.

#[path = "../../../build.rs"]
#[allow(dead_code)]
mod pipeline;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(spec) = args.next() else {
        eprintln!("usage: spec-check SPEC.yaml [OUT.rs]");
        std::process::exit(2);
    };
    match pipeline::generate_service(std::path::Path::new(&spec)) {
        Ok(generated) => {
            if let Some(out) = args.next() {
                if let Err(e) = pipeline::write_if_changed(std::path::Path::new(&out), &generated.code) {
                    eprintln!("cannot write {out}: {e}");
                    std::process::exit(1);
                }
            }
            let ops = generated.code.matches("crate::transport::OperationMeta {").count();
            println!("{spec}: ok ({ops} operations, {} lines of generated code)", generated.code.lines().count());
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("{} problem(s)", problems.len());
            std::process::exit(1);
        }
    }
}
