# The R oracle of mscohort's models (issue #24): fits the fixed data sets of this folder
# and writes r_results.csv (model, quantity, value). Regenerate with
#   Rscript tests/data/r_models/models.R
# R 4.2.2, lme4 1.1-31, MASS 7.3-58, survival 3.4-0, sandwich 3.0-2 (Debian bookworm).
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))
suppressPackageStartupMessages({
  library(lme4); library(MASS); library(survival); library(sandwich)
})
out <- list()
add <- function(model, quantity, value) {
  out[[length(out) + 1]] <<- data.frame(model = model, quantity = quantity,
                                        value = unname(value))
}
contrast <- function(model, name, fit, L) {
  b <- fixef(fit); V <- as.matrix(vcov(fit))
  add(model, paste0(name, ":estimate"), sum(L * b))
  add(model, paste0(name, ":se"), sqrt(drop(t(L) %*% V %*% L)))
}

# 1. piecewise random intercept and slope model
tr <- read.csv(file.path(here, "trajectory.csv"))
forms <- list(
  plain = value ~ time + time_after + (1 + time | patient_id),
  full = value ~ time + time_after + age_at_index + sex + cohort + cohort:time +
    cohort:time_after + (1 + time | patient_id))
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
for (f in names(forms)) for (reml in c(TRUE, FALSE)) {
  if (f == "full" && !reml) next
  model <- paste0("lmer_", f, if (reml) "_reml" else "_ml")
  fit <- lmer(forms[[f]], data = tr, REML = reml, control = ctrl)
  b <- fixef(fit); se <- sqrt(diag(as.matrix(vcov(fit))))
  for (k in names(b)) { add(model, paste0(k, ":estimate"), b[k]); add(model, paste0(k, ":se"), se[k]) }
  vc <- as.data.frame(VarCorr(fit))
  add(model, "var_intercept", vc$vcov[1]); add(model, "var_slope", vc$vcov[2])
  add(model, "cov_intercept_slope", vc$vcov[3]); add(model, "var_residual", vc$vcov[4])
  add(model, "logLik", as.numeric(logLik(fit)))
  L <- setNames(rep(0, length(b)), names(b)); L[c("time", "time_after")] <- 1
  contrast(model, "slope after", fit, L)
}

# 2. relapse counts before / after the index date
ct <- read.csv(file.path(here, "counts.csv"))
n <- nrow(ct)
long <- data.frame(id = rep(ct$patient_id, 2), after = rep(c(0, 1), each = n),
                   y = c(ct$relapses_before, ct$relapses_during),
                   t = c(ct$years_before, ct$years_during))
nb <- glm.nb(y ~ after + offset(log(t)), data = long,
             control = glm.control(epsilon = 1e-12, maxit = 100))
add("glm.nb_before_after", "after:estimate", coef(nb)["after"])
add("glm.nb_before_after", "after:se_model", sqrt(vcov(nb)["after", "after"]))
add("glm.nb_before_after", "theta", nb$theta)
add("glm.nb_before_after", "after:se_cluster_HC1",
    sqrt(vcovCL(nb, cluster = ~id, type = "HC1")["after", "after"]))
add("glm.nb_before_after", "logLik", as.numeric(logLik(nb)))
# conditional Poisson = Poisson GLM with one intercept per patient (patients with a count)
inf <- long[long$id %in% ct$patient_id[ct$relapses_before + ct$relapses_during > 0], ]
cp <- glm(y ~ factor(id) + after + offset(log(t)), family = poisson, data = inf,
          control = glm.control(epsilon = 1e-12, maxit = 100))
add("conditional_poisson", "after:estimate", coef(cp)["after"])
add("conditional_poisson", "after:se", sqrt(vcov(cp)["after", "after"]))

# 3. between groups, on treatment, adjusted
gb <- glm.nb(relapses_during ~ cohort + arr_before + age_at_index + duration_at_index_years +
               baseline_edss + offset(log(years_during)), data = ct,
             control = glm.control(epsilon = 1e-12, maxit = 100))
for (k in names(coef(gb))) {
  add("glm.nb_between", paste0(k, ":estimate"), coef(gb)[k])
  add("glm.nb_between", paste0(k, ":se"), sqrt(vcov(gb)[k, k]))
}
add("glm.nb_between", "theta", gb$theta)

# 4. time to first relapse
rt <- read.csv(file.path(here, "relapse_time.csv"))
cx <- coxph(Surv(years, relapse) ~ group, data = rt, ties = "efron")
add("coxph", "groupB:estimate", coef(cx)["groupB"])
add("coxph", "groupB:se", sqrt(vcov(cx)[1, 1]))
km <- summary(survfit(Surv(years, relapse) ~ group, data = rt, conf.type = "log-log"),
              times = c(0.5, 1, 2))
for (i in seq_along(km$time)) {
  g <- sub("group=", "", as.character(km$strata[i]))
  for (q in c("surv", "lower", "upper"))
    add("survfit", sprintf("%s:%g:%s", g, km$time[i], q), km[[q]][i])
}
res <- do.call(rbind, out)
write.csv(res, file.path(here, "r_results.csv"), row.names = FALSE, quote = TRUE)
cat(sprintf("%d results written\n", nrow(res)))
