//! Phone numbers: parsing and normalizing for dialing. Layer: core (pure).
