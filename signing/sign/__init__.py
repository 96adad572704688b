"""PAdES signing with the NĐ 30 appearance, issuance with the number register, attachment signatures."""
