/**
 * A component whose joint density is below e^-40 (4e-18) of the best one's gets
 * responsibility 0: far under what the statistics keep (1e-14), and it saves most of
 * the work (the rest of its quadratic form, its exp) when components are apart.
 */
export const NEGLIGIBLE_LOG_RATIO = 40;

/**
 * Responsibilities this small contribute nothing measurable (their total is below
 * 1e-14 of the batch mass) and skipping them saves most of the work when
 * components are well separated.
 */
export const NEGLIGIBLE_RESPONSIBILITY = 1e-14;
