# Errors when a patient appears more than once in a matched cohort (matching with
# replacement, a control reused across sets, a patient with episodes on both drugs),
# following MatchIt's "Estimating Effects After Matching" (section "Matching with
# replacement"): clustered by matched set and by patient (two-way).
# Rate models: sandwich::vcovCL(fit, cluster = ~set + patient, type = "HC1");
# Cox: the estimator of Austin and Cafri (2020), as the vignette computes it from three
# coxph fits: (ks/(ks-1)) Vs + (ki/(ki-1)) Vi - (kc/(kc-1)) Vc.
# Run from the repository root: Rscript tests/data/r_comparative/twoway.R
library(sandwich)
library(survival)
library(MASS)
d <- read.csv("tests/data/r_comparative/twoway_data.csv")
ctl <- glm.control(epsilon = 1e-12, maxit = 100)
out <- list()
fp <- suppressWarnings(glm(y ~ treat + offset(log(years)), family = poisson, data = d,
                           weights = w, control = ctl))
vp <- vcovCL(fp, cluster = ~set + patient, type = "HC1")
vp1 <- vcovCL(fp, cluster = ~set, type = "HC1")
out$poisson <- data.frame(model = "poisson", alpha = 0, coef = coef(fp)[["treat"]],
                          v_treat = vp["treat", "treat"], v_treat_set = vp1["treat", "treat"])
fn <- suppressWarnings(glm.nb(y ~ treat + offset(log(years)), data = d, weights = w,
                              control = ctl))
vn <- vcovCL(fn, cluster = ~set + patient, type = "HC1")
vn1 <- vcovCL(fn, cluster = ~set, type = "HC1")
out$negbin <- data.frame(model = "negbin", alpha = 1 / fn$theta, coef = coef(fn)[["treat"]],
                         v_treat = vn["treat", "treat"], v_treat_set = vn1["treat", "treat"])
# the third fit clusters by set and patient together: each row in the vignette's
# get_matches() data, here also a patient whose two episodes fell into one set
d$set_patient <- paste(d$set, d$patient)
cox <- function(cl) coxph(Surv(T, E) ~ treat, data = d, weights = w, robust = TRUE,
                          ties = "efron", cluster = d[[cl]])
fs <- cox("set"); fi <- cox("patient"); fc <- cox("set_patient")
ks <- length(unique(d$set)); ki <- length(unique(d$patient))
kc <- length(unique(d$set_patient))
vc <- (ks / (ks - 1)) * fs$var + (ki / (ki - 1)) * fi$var - (kc / (kc - 1)) * fc$var
out$cox <- data.frame(model = "cox", alpha = NA, coef = coef(fs)[["treat"]],
                      v_treat = vc[1, 1], v_treat_set = fs$var[1, 1])
res <- do.call(rbind, out)
res$versions <- paste0("R ", getRversion(), "; sandwich ", packageVersion("sandwich"),
                       "; survival ", packageVersion("survival"), "; MASS ",
                       packageVersion("MASS"))
write.csv(res, "tests/data/r_comparative/twoway_expected.csv", row.names = FALSE)
