# The R oracle of mscohort's propensity score, matching and balance (issue #25): fits
# episodes.csv and writes ps.csv (the glm), matches.csv (config, treated, control: the
# match.matrix), weights.csv (config, episode_id, weight) and balance.csv (config, covariate,
# smd_before, smd_after, vr_before, vr_after from summary()). Regenerate with
#   Rscript tests/data/r_matchit/matchit.R
# R 4.2.2, MatchIt 4.5.1 (Debian r-cran-matchit; versions.txt is written by this script).
#
# MatchIt 4.5.1-4.5.3 has a bug in its vectorised nearest-neighbour routine (nn_matchC_vec,
# used when the distance is a vector and there are no mahvars): controls that are not the
# nearest, and matches outside the caliper (kosukeimai/MatchIt issue #163). Checked here:
# with distance = "glm", link = "linear.logit" and caliper = 0.1, pairs were up to 0.99
# apart for a caliper of 0.109. The script therefore passes the glm's linear predictor (the
# logit of the PS, identical to link = "linear.logit") as `distance` together with
# `mahvars = ~lp`: MatchIt then uses its general routine (nn_matchC), whose pairs are the
# greedy nearest neighbours (Mahalanobis distance on the one variable lp is |lp_t - lp_c| /
# sd(lp), the same ordering), the caliper is still on `distance` in SDs of lp, and the order
# (m.order) is still by `distance`. `check_nearest()` replays every match by brute force.
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))
suppressPackageStartupMessages(library(MatchIt))
d <- read.csv(file.path(here, "episodes.csv"), stringsAsFactors = FALSE)
d$sex <- factor(d$sex)
d$phenotype <- factor(d$phenotype)  # levels in sorted order: CIS (reference), RRMS, SPMS
f <- treatment ~ age + disease_duration + edss + relapses_12m + sex + phenotype

fit <- glm(f, data = d, family = binomial())
s <- summary(fit)$coefficients
write.csv(data.frame(term = rownames(s), coef = s[, 1], se = s[, 2]),
          file.path(here, "ps.csv"), row.names = FALSE)
d$lp <- predict(fit)  # the logit of the propensity score
write.csv(data.frame(episode_id = d$episode_id, ps = fitted(fit)),
          file.path(here, "ps_fitted.csv"), row.names = FALSE)

check_nearest <- function(m, cf) {
  # 1:1 without replacement: every control is the nearest one still free, in m.order
  if (cf$ratio != 1 || cf$replace) return(invisible())
  mm <- m$match.matrix; tr <- as.integer(rownames(mm)); ct <- as.integer(mm[, 1])
  ord <- if (cf$m.order == "largest") tr[order(-d$lp[tr])] else tr[order(d$lp[tr])]
  cal <- if (is.null(cf$caliper)) Inf else cf$caliper * sd(d$lp)
  used <- integer(0)
  for (i in ord) {
    cand <- setdiff(which(d$treatment == 0), used)
    g <- abs(d$lp[cand] - d$lp[i]); best <- if (min(g) <= cal) cand[which.min(g)] else NA
    j <- ct[tr == i]
    if (!identical(is.na(j), is.na(best)) || (!is.na(j) && j != best))
      stop("MatchIt's match is not the nearest neighbour for row ", i)
    if (!is.na(j)) used <- c(used, j)
  }
}

configs <- list(
  c1_cal01 = list(ratio = 1, replace = FALSE, caliper = 0.1, m.order = "largest"),
  c2_cal02_ratio2 = list(ratio = 2, replace = FALSE, caliper = 0.2, m.order = "largest"),
  c3_cal01_replace = list(ratio = 1, replace = TRUE, caliper = 0.1, m.order = "largest"),
  c4_nocal_smallest = list(ratio = 1, replace = FALSE, caliper = NULL, m.order = "smallest"),
  c5_cal025_ratio3_replace_data = list(ratio = 3, replace = TRUE, caliper = 0.25,
                                       m.order = "data")
)
matches <- list(); weights <- list(); balance <- list()
for (name in names(configs)) {
  cf <- configs[[name]]
  args <- list(formula = f, data = d, method = "nearest", distance = d$lp,
               mahvars = ~lp, estimand = "ATT", ratio = cf$ratio,
               replace = cf$replace, m.order = cf$m.order)
  if (!is.null(cf$caliper)) { args$caliper <- cf$caliper; args$std.caliper <- TRUE }
  m <- do.call(matchit, args)
  check_nearest(m, cf)
  mm <- m$match.matrix
  for (i in seq_len(nrow(mm))) for (j in seq_len(ncol(mm))) {
    if (!is.na(mm[i, j])) matches[[length(matches) + 1]] <- data.frame(
      config = name, treated = d$episode_id[as.integer(rownames(mm)[i])],
      control = d$episode_id[as.integer(mm[i, j])], slot = j)
  }
  weights[[name]] <- data.frame(config = name, episode_id = d$episode_id, weight = m$weights)
  sm <- summary(m, standardize = TRUE)
  before <- sm$sum.all; after <- sm$sum.matched
  covs <- setdiff(rownames(before), c("distance", "lp"))  # the formula's terms
  balance[[name]] <- data.frame(
    config = name, covariate = covs,
    smd_before = before[covs, "Std. Mean Diff."], smd_after = after[covs, "Std. Mean Diff."],
    vr_before = before[covs, "Var. Ratio"], vr_after = after[covs, "Var. Ratio"])
}
write.csv(do.call(rbind, matches), file.path(here, "matches.csv"), row.names = FALSE)
write.csv(do.call(rbind, weights), file.path(here, "weights.csv"), row.names = FALSE)
write.csv(do.call(rbind, balance), file.path(here, "balance.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("MatchIt", packageVersion("MatchIt"))),
           file.path(here, "versions.txt"))
