"""Models of every visit and of relapse counts: piecewise linear mixed models of a score's
trajectory, negative binomial and conditional Poisson models of relapse counts, and time to
first relapse after the index date (``docs/models.md``)."""
