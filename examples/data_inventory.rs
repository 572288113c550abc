//! Prints the README's "Data Spotdial keeps" section, generated from the storage inventory
//! (`privacy::inventory`). Layer: tooling. `cargo run --example data_inventory`; a test
//! checks README.md holds exactly this text.

fn main() {
    print!("{}", spotdial::privacy::inventory::readme_section());
}
