//! The HubSpot API client: typed requests, responses, errors and the rate budget.
//! Layer: core (pure).
