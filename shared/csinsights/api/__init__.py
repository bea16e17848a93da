"""The API's routes (one Powertools Router per group), its parameter types, body checks,
errors and caller identity. In the layer, so the API function's own code is just the
resolver that composes them."""
