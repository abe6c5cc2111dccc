/**
 * A commune's own procedure as staff send it: the API's body for
 * /api/v1/procedures/local, which the console's form is parsed into too.
 */
import { z } from 'zod';
import { optionalUrl } from './fields.js';
import { parseTime } from './importer/parse.js';
import { readFeeText, type LocalProcedureInput } from './service.js';
import type { ChannelInfo } from './types.js';

const channelInput = z
  .object({
    channel: z.enum(['truc_tiep', 'truc_tuyen', 'buu_chinh']),
    timeText: z.string().trim().max(200).default(''),
    feeText: z.string().trim().max(500).default(''),
    description: z.string().trim().max(2000).optional(),
  })
  .strict();

export const localBody = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9-]{2,40}$/, 'tối đa 40 ký tự, chỉ gồm chữ thường không dấu, số và dấu gạch ngang')
      .optional(),
    name: z.string().trim().min(3, 'tên thủ tục quá ngắn').max(300),
    field: z.string().trim().max(200).optional(),
    agency: z.string().trim().max(300).optional(),
    subjects: z.string().trim().max(500).optional(),
    result: z.string().trim().max(1000).optional(),
    conditions: z.string().trim().max(4000).optional(),
    receptionAddress: z.string().trim().max(500).optional(),
    portalUrl: optionalUrl,
    steps: z.array(z.string().trim().min(1).max(2000)).max(50).optional(),
    documentGroups: z
      .array(
        z
          .object({
            title: z.string().trim().max(300).default(''),
            documents: z
              .array(
                z
                  .object({
                    name: z.string().trim().min(1).max(1000),
                    form: z.string().trim().max(300).optional(),
                    quantity: z.string().trim().max(100).optional(),
                  })
                  .strict(),
              )
              .max(100),
          })
          .strict(),
      )
      .max(20)
      .optional(),
    channels: z.array(channelInput).max(10).optional(),
    legalBasis: z
      .array(z.object({ title: z.string().trim().min(1).max(1000), code: z.string().trim().max(100).optional() }).strict())
      .max(50)
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
