# The relapse rate ratio during / before of each cohort of rate_ratio_data.csv
# (make_data.py): glm(y ~ period + offset(log(years)), poisson) on the two rows of each
# patient, sandwich::vcovCL(cluster = ~patient_id, type = "HC1") (CR1: G/(G-1) (N-1)/(N-K)),
# and lmtest::coeftest / coefci with df = G - 1 (Cameron and Miller 2015).
# Run from the repository root: Rscript tests/data/r_rate_ratio/rate_ratio.R
library(sandwich)
library(lmtest)
d <- read.csv("tests/data/r_rate_ratio/rate_ratio_data.csv")
out <- NULL
for (cohort in unique(d$cohort)) {
  s <- d[d$cohort == cohort, ]
  long <- data.frame(patient_id = c(s$patient_id, s$patient_id),
                     period = rep(c(0, 1), each = nrow(s)),
                     y = c(s$relapses_before, s$relapses_during),
                     years = c(s$years_before, s$years_during))
  fit <- glm(y ~ period + offset(log(years)), family = poisson, data = long,
             control = glm.control(epsilon = 1e-12, maxit = 100))
  v <- vcovCL(fit, cluster = ~patient_id, type = "HC1")
  g <- length(unique(long$patient_id))
  ct <- coeftest(fit, vcov. = v, df = g - 1)
  ci <- coefci(fit, vcov. = v, df = g - 1, level = 0.95)
  out <- rbind(out, data.frame(cohort = cohort, n = g,
                               rate_ratio = exp(coef(fit)[["period"]]),
                               ci_low = exp(ci["period", 1]), ci_high = exp(ci["period", 2]),
                               se_log = sqrt(v["period", "period"]),
                               p = ct["period", "Pr(>|t|)"]))
}
write.csv(out, "tests/data/r_rate_ratio/rate_ratio_expected.csv", row.names = FALSE)
