# The outcomes of a cohort matched with replacement, recomputed from the raw episodes and
# relapses (replacement_episodes.csv, replacement_relapses.csv; make_replacement_data.py):
# each row (episode and matched set) is followed for the shortest follow-up of its set
# (pairwise censoring) and counts its patient's relapses in (start, end of follow-up] once.
# Rate ratio: glm(y ~ treatment + offset(log(years)), poisson, weights = weight) with
# sandwich::vcovCL(cluster = ~pair_id + patient_id, type = "HC1") (MatchIt's guide after
# matching with replacement: matched set and unit) and a t interval with
# min(G_set, G_patient) - 1 degrees of freedom. First relapse: coxph(weights = weight,
# ties = "efron") with Austin and Cafri's two-way variance from three clustered fits.
# Run from the repository root: Rscript tests/data/r_comparative/replacement.R
library(sandwich)
library(survival)
e <- read.csv("tests/data/r_comparative/replacement_episodes.csv")
r <- read.csv("tests/data/r_comparative/replacement_relapses.csv")
e$start <- as.Date(e$start_date)
r$onset <- as.Date(r$onset_date)
e$fu_days <- ave(as.numeric(as.Date(e$end_date) - e$start), e$pair_id, FUN = min)
e$fu_end <- e$start + e$fu_days
e$years <- e$fu_days / 365.25
e$y <- mapply(function(p, s, f) sum(r$patient_id == p & r$onset > s & r$onset <= f),
              e$patient_id, e$start, e$fu_end)
e$first <- mapply(function(p, s, f) {
  o <- r$onset[r$patient_id == p & r$onset > s & r$onset <= f]
  if (length(o)) as.numeric(min(o) - s) else NA
}, e$patient_id, e$start, e$fu_end)
e$E <- !is.na(e$first)
e$T <- ifelse(e$E, e$first, e$fu_days)
ctl <- glm.control(epsilon = 1e-12, maxit = 100)
fp <- suppressWarnings(glm(y ~ treatment + offset(log(years)), family = poisson,
                           data = e, weights = weight, control = ctl))
vp <- vcovCL(fp, cluster = ~pair_id + patient_id, type = "HC1")
g <- min(length(unique(e$pair_id)), length(unique(e$patient_id)))
b <- coef(fp)[["treatment"]]
se <- sqrt(vp["treatment", "treatment"])
q <- qt(0.975, g - 1)
e$set_patient <- paste(e$pair_id, e$patient_id)
cox <- function(cl) coxph(Surv(T, E) ~ treatment, data = e, weights = weight,
                          robust = TRUE, ties = "efron", cluster = e[[cl]])
fs <- cox("pair_id"); fi <- cox("patient_id"); fc <- cox("set_patient")
ks <- length(unique(e$pair_id)); ki <- length(unique(e$patient_id))
kc <- length(unique(e$set_patient))
vc <- (ks / (ks - 1)) * fs$var + (ki / (ki - 1)) * fi$var - (kc / (kc - 1)) * fc$var
ctrl <- e$treatment == 0
out <- data.frame(
  rate_ratio = exp(b), rr_low = exp(b - q * se), rr_high = exp(b + q * se),
  events_control = sum(e$y[ctrl]), events_treated = sum(e$y[!ctrl]),
  rate_control = sum(e$weight[ctrl] * e$y[ctrl]) / sum(e$weight[ctrl] * e$years[ctrl]),
  hr = exp(coef(fs)[["treatment"]]), hr_var = vc[1, 1],
  first_events_control = sum(e$E[ctrl]),
  versions = paste0("R ", getRversion(), "; sandwich ", packageVersion("sandwich"),
                    "; survival ", packageVersion("survival")))
write.csv(out, "tests/data/r_comparative/replacement_expected.csv", row.names = FALSE)
