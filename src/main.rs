//! The `connector` binary.

fn main() {
    println!("enmeshed connector (work in progress)");
}
