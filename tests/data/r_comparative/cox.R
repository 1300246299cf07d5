# The weighted Cox model with robust errors clustered by matched pair (R survival).
# Run from the repository root: Rscript tests/data/r_comparative/cox.R
library(survival)
d <- read.csv("tests/data/r_comparative/cox_data.csv")
out <- list()
for (w in c("none", "w")) {
  wt <- if (w == "none") rep(1, nrow(d)) else d$w
  f <- coxph(Surv(T, E) ~ treat + age, data = d, weights = wt, cluster = pair,
             ties = "efron")
  v <- vcov(f)
  out[[w]] <- data.frame(weights = w, term = names(coef(f)), coef = coef(f),
                         v_treat = v[, "treat"], v_age = v[, "age"])
}
res <- do.call(rbind, out)
res$survival <- as.character(packageVersion("survival"))
write.csv(res, "tests/data/r_comparative/cox_expected.csv", row.names = FALSE)
