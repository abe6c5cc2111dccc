/** Field rules shared by the procedures API and the console's forms. */
import { z } from 'zod';

/** National codes look like 1.001193; commune-owned ones like local.tro-cap-xa-hoi. */
export const PROCEDURE_CODE = /^(?:\d{1,2}\.\d{3,7}|local\.[a-z0-9-]{1,60})$/;

const emptyToNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

/** Optional text: an empty string becomes null (clears the field). */
export const optionalText = (max: number) =>
  z.preprocess(emptyToNull, z.string().trim().max(max, `tối đa ${max} ký tự`).nullable().optional());

export const optionalPhone = z.preprocess(
  emptyToNull,
  z
    .string()
    .trim()
    .regex(/^[0-9+().\s-]{6,30}$/, 'số điện thoại không hợp lệ')
    .nullable()
    .optional(),
);

export const optionalUrl = z.preprocess(
  emptyToNull,
  z
    .string()
    .trim()
    .max(500, 'tối đa 500 ký tự')
    .regex(/^https?:\/\/[^\s]+$/i, 'phải là đường dẫn http:// hoặc https://')
    .nullable()
    .optional(),
);
