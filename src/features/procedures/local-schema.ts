/**
 * A commune's own procedure as staff send it: the API's body for
 * /api/v1/procedures/local, and what the console's form is parsed into
 * (local-form.ts), so both have one set of limits and one set of Vietnamese
 * messages.
 */
import { z } from 'zod';
import { optionalUrl } from './fields.js';
import { parseTime } from './importer/parse.js';
import { readFeeText, type LocalProcedureInput } from './service.js';
import type { ChannelInfo } from './types.js';

const text = (max: number) => z.string().trim().max(max, `tối đa ${max} ký tự`);

const channelInput = z
  .object({
    channel: z.enum(['truc_tiep', 'truc_tuyen', 'buu_chinh']),
    timeText: text(200).default(''),
    feeText: text(500).default(''),
    description: text(2000).optional(),
  })
  .strict();

export const localBody = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9-]{2,40}$/, 'tối đa 40 ký tự, chỉ gồm chữ thường không dấu, số và dấu gạch ngang')
      .optional(),
    name: z.string().trim().min(3, 'tên thủ tục quá ngắn (ít nhất 3 ký tự)').max(300, 'tối đa 300 ký tự'),
    field: text(200).optional(),
    agency: text(300).optional(),
    subjects: text(500).optional(),
    result: text(1000).optional(),
    conditions: text(4000).optional(),
    receptionAddress: text(500).optional(),
    portalUrl: optionalUrl,
    steps: z
      .array(z.string().trim().min(1, 'không được để trống').max(2000, 'mỗi bước tối đa 2000 ký tự'))
      .max(50, 'tối đa 50 bước')
      .optional(),
    documentGroups: z
      .array(
        z
          .object({
            title: text(300).default(''),
            documents: z
              .array(
                z
                  .object({
                    name: z.string().trim().min(1, 'không được để trống').max(1000, 'mỗi giấy tờ tối đa 1000 ký tự'),
                    form: text(300).optional(),
                    quantity: text(100).optional(),
                  })
                  .strict(),
              )
              .max(100, 'tối đa 100 giấy tờ'),
          })
          .strict(),
      )
      .max(20, 'tối đa 20 nhóm giấy tờ')
      .optional(),
    channels: z.array(channelInput).max(10, 'tối đa 10 cách nộp').optional(),
    legalBasis: z
      .array(
        z
          .object({
            title: z.string().trim().min(1, 'không được để trống').max(1000, 'tối đa 1000 ký tự'),
            code: text(100).optional(),
          })
          .strict(),
      )
      .max(50, 'tối đa 50 căn cứ pháp lý')
      .optional(),
  })
  .strict();

export type LocalBody = z.infer<typeof localBody>;

/** The service's input from a valid body: each channel's fee amounts and time read from its wording. */
export function toLocalInput(body: LocalBody): LocalProcedureInput {
  const channels: ChannelInfo[] | undefined = body.channels?.map((c) => {
    const fee = readFeeText(c.feeText);
    const info: ChannelInfo = {
      channel: c.channel,
      timeText: c.timeText,
      feeText: c.feeText,
      feeAmounts: fee.amounts,
      free: fee.free,
    };
    const time = parseTime(c.timeText);
    if (time) info.time = time;
    if (c.description) info.description = c.description;
    return info;
  });
  return {
    ...body,
    portalUrl: body.portalUrl ?? undefined,
    channels,
    documentGroups: body.documentGroups,
    legalBasis: body.legalBasis,
  };
}
