"""The online campaign: each unit's submission of its self-assessment, its evidence, the appraisal rounds and
the state machine every change goes through. Views live in the apps built on it (self-assessment, appraisal,
deadlines, dashboard); this app holds the records and the rules they share."""
