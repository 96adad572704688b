"""`vanban demo`: the whole product on the bundled examples. Only the CLI and the tests import it."""
