/**
 * The Vietnamese lunisolar calendar (âm lịch), computed with Hồ Ngọc Đức's
 * algorithm: astronomical new moons and solar terms (Jean Meeus' formulas)
 * evaluated at Vietnam's time zone, UTC+7. The Chinese calendar uses UTC+8,
 * so the two differ in the rare months whose new moon falls between 23:00
 * and midnight Vietnam time (e.g. Tết 1985, 2007). Pure, no dependencies.
 */

/** A lunar date: day 1–30, month 1–12, the lunar year (the Gregorian year its Tết falls in), leap month flag. */
export interface LunarDate {
  day: number;
  month: number;
  year: number;
  leap: boolean;
}

/** Vietnam's time zone in hours. */
const TZ = 7;
const INT = Math.floor;

/** Julian day number of a Gregorian date. */
export function jdFromDate(dd: number, mm: number, yy: number): number {
  const a = INT((14 - mm) / 12);
  const y = yy + 4800 - a;
  const m = mm + 12 * a - 3;
  let jd = dd + INT((153 * m + 2) / 5) + 365 * y + INT(y / 4) - INT(y / 100) + INT(y / 400) - 32045;
  if (jd < 2299161) jd = dd + INT((153 * m + 2) / 5) + 365 * y + INT(y / 4) - 32083;
  return jd;
}

/** Gregorian [day, month, year] of a Julian day number. */
export function jdToDate(jd: number): [number, number, number] {
  let b: number;
  let c: number;
  if (jd > 2299160) {
    const a = jd + 32044;
    b = INT((4 * a + 3) / 146097);
    c = a - INT((b * 146097) / 4);
  } else {
    b = 0;
    c = jd + 32082;
  }
  const d = INT((4 * c + 3) / 1461);
  const e = c - INT((1461 * d) / 4);
  const m = INT((5 * e + 2) / 153);
  const day = e - INT((153 * m + 2) / 5) + 1;
  const month = m + 3 - 12 * INT(m / 10);
  const year = b * 100 + d - 4800 + INT(m / 10);
  return [day, month, year];
}

/** Julian day (fractional, UT) of the k-th new moon after 1 January 1900. */
function newMoon(k: number): number {
  const T = k / 1236.85;
  const T2 = T * T;
  const T3 = T2 * T;
  const dr = Math.PI / 180;
  let jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * T2 - 0.000000155 * T3;
  jd1 += 0.00033 * Math.sin((166.56 + 132.87 * T - 0.009173 * T2) * dr);
  const M = 359.2242 + 29.10535608 * k - 0.0000333 * T2 - 0.00000347 * T3;
  const Mpr = 306.0253 + 385.81691806 * k + 0.0107306 * T2 + 0.00001236 * T3;
  const F = 21.2964 + 390.67050646 * k - 0.0016528 * T2 - 0.00000239 * T3;
  const C1 =
    (0.1734 - 0.000393 * T) * Math.sin(M * dr) +
    0.0021 * Math.sin(2 * dr * M) -
    0.4068 * Math.sin(Mpr * dr) +
    0.0161 * Math.sin(dr * 2 * Mpr) -
    0.0004 * Math.sin(dr * 3 * Mpr) +
    0.0104 * Math.sin(dr * 2 * F) -
    0.0051 * Math.sin(dr * (M + Mpr)) -
    0.0074 * Math.sin(dr * (M - Mpr)) +
    0.0004 * Math.sin(dr * (2 * F + M)) -
    0.0004 * Math.sin(dr * (2 * F - M)) -
    0.0006 * Math.sin(dr * (2 * F + Mpr)) +
    0.001 * Math.sin(dr * (2 * F - Mpr)) +
    0.0005 * Math.sin(dr * (2 * Mpr + M));
  const deltat =
    T < -11
      ? 0.001 + 0.000839 * T + 0.0002261 * T2 - 0.00000845 * T3 - 0.000000081 * T * T3
      : -0.000278 + 0.000265 * T + 0.000262 * T2;
  return jd1 + C1 - deltat;
}

/** The sun's longitude in radians at a Julian day (UT). */
function sunLongitude(jdn: number): number {
  const T = (jdn - 2451545.0) / 36525;
  const T2 = T * T;
  const dr = Math.PI / 180;
  const M = 357.5291 + 35999.0503 * T - 0.0001559 * T2 - 0.00000048 * T * T2;
  const L0 = 280.46645 + 36000.76983 * T + 0.0003032 * T2;
  let DL = (1.9146 - 0.004817 * T - 0.000014 * T2) * Math.sin(dr * M);
  DL += (0.019993 - 0.000101 * T) * Math.sin(dr * 2 * M) + 0.00029 * Math.sin(dr * 3 * M);
  let L = (L0 + DL) * dr;
  L = L - Math.PI * 2 * INT(L / (Math.PI * 2));
  return L;
}

/** Which of the twelve 30° sectors the sun is in at local midnight starting the day (0 = spring equinox). */
function sunSector(dayNumber: number): number {
  return INT((sunLongitude(dayNumber - 0.5 - TZ / 24) / Math.PI) * 6);
}

/** The local day number of the k-th new moon. */
function newMoonDay(k: number): number {
  return INT(newMoon(k) + 0.5 + TZ / 24);
}

/** The day number on which the 11th lunar month (the one holding the winter solstice) of year yy begins. */
function lunarMonth11(yy: number): number {
  const off = jdFromDate(31, 12, yy) - 2415021;
  const k = INT(off / 29.530588853);
  const nm = newMoonDay(k);
  return sunSector(nm) >= 9 ? newMoonDay(k - 1) : nm;
}

/** Months after month 11 (starting a11) of the first month without a major solar term (the leap month). */
function leapMonthOffset(a11: number): number {
  const k = INT((a11 - 2415021.076998695) / 29.530588853 + 0.5);
  let last: number;
  let i = 1;
  let arc = sunSector(newMoonDay(k + i));
  do {
    last = arc;
    i++;
    arc = sunSector(newMoonDay(k + i));
  } while (arc !== last && i < 14);
  return i - 1;
}

/** The lunar date of a Gregorian date (Vietnam, UTC+7). */
export function solarToLunar(dd: number, mm: number, yy: number): LunarDate {
  const dayNumber = jdFromDate(dd, mm, yy);
  const k = INT((dayNumber - 2415021.076998695) / 29.530588853);
  let monthStart = newMoonDay(k + 1);
  if (monthStart > dayNumber) monthStart = newMoonDay(k);
  let a11 = lunarMonth11(yy);
  let b11 = a11;
  let year: number;
  if (a11 >= monthStart) {
    year = yy;
    a11 = lunarMonth11(yy - 1);
  } else {
    year = yy + 1;
    b11 = lunarMonth11(yy + 1);
  }
  const day = dayNumber - monthStart + 1;
  const diff = INT((monthStart - a11) / 29);
  let leap = false;
  let month = diff + 11;
  if (b11 - a11 > 365) {
    const leapDiff = leapMonthOffset(a11);
    if (diff >= leapDiff) {
      month = diff + 10;
      if (diff === leapDiff) leap = true;
    }
  }
  if (month > 12) month -= 12;
  if (month >= 11 && diff < 4) year -= 1;
  return { day, month, year, leap };
}

/**
 * The Gregorian [day, month, year] of a lunar date, or undefined when it does
 * not exist (a leap month the year does not have, day 30 of a 29-day month).
 */
export function lunarToSolar(l: LunarDate): [number, number, number] | undefined {
  let a11: number;
  let b11: number;
  if (l.month < 11) {
    a11 = lunarMonth11(l.year - 1);
    b11 = lunarMonth11(l.year);
  } else {
    a11 = lunarMonth11(l.year);
    b11 = lunarMonth11(l.year + 1);
  }
  const k = INT(0.5 + (a11 - 2415021.076998695) / 29.530588853);
  let off = l.month - 11;
  if (off < 0) off += 12;
  if (b11 - a11 > 365) {
    const leapOff = leapMonthOffset(a11);
    let leapMonth = leapOff - 2;
    if (leapMonth < 0) leapMonth += 12;
    if (l.leap && l.month !== leapMonth) return undefined;
    if (l.leap || off >= leapOff) off += 1;
  } else if (l.leap) {
    return undefined;
  }
  const monthStart = newMoonDay(k + off);
  const solar = jdToDate(monthStart + l.day - 1);
  // Day 30 of a 29-day month lands on day 1 of the next month.
  if (l.day > 29 && solarToLunar(...solar).day !== l.day) return undefined;
  return solar;
}

/** "YYYY-MM-DD" of a lunar date (Vietnam), or undefined when it does not exist. */
export function lunarToIsoDate(l: LunarDate): string | undefined {
  const s = lunarToSolar(l);
  if (!s) return undefined;
  const [d, m, y] = s;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
