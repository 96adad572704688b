"""Demo material: a sample PKI with its services, a SoftHSM2 token, sample evidence, attack files. Never imported by the product."""
