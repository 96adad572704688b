"""The append-only audit log: who did what, when, from which address, to which record (NĐ 30 Phụ lục VI)."""
