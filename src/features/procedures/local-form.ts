/**
 * The console's form for a commune's own procedure: what it posts (text,
 * documents and steps one a line), the form of a stored procedure, and the
 * parse of a posted form into the API's body (`localBody`), so the console
 * and the API share one set of limits and messages.
 */
import type { z } from 'zod';
import { formText } from '../../core/console-kit.js';
import { fieldErrorsOf } from '../../core/http-errors.js';
import { optionalText } from './fields.js';
import { localBody, toLocalInput } from './local-schema.js';
import type { LocalProcedureInput } from './service.js';
import type { Procedure, ProcedureOverride, SubmissionChannel } from './types.js';

/** How a resident may file, as staff tick it. */
export const CHANNEL_LABELS: Record<SubmissionChannel, string> = {
  truc_tiep: 'Nộp trực tiếp tại xã',
  truc_tuyen: 'Nộp trực tuyến',
  buu_chinh: 'Gửi qua bưu chính',
};
export const CHANNELS = Object.keys(CHANNEL_LABELS) as SubmissionChannel[];

/** The form's fields with their labels, in the order errors are listed. */
export const LABELS = {
  name: 'Tên thủ tục',
  field: 'Lĩnh vực',
  agency: 'Cơ quan giải quyết',
  subjects: 'Đối tượng thực hiện',
  conditions: 'Điều kiện',
  documents: 'Giấy tờ cần nộp',
  steps: 'Các bước thực hiện',
  channels: 'Cách nộp',
  timeText: 'Thời hạn giải quyết',
  feeText: 'Phí, lệ phí',
  receptionAddress: 'Nơi nộp hồ sơ',
  portalUrl: 'Đường dẫn nộp trực tuyến',
  result: 'Kết quả nhận được',
  note: 'Ghi chú của xã',
} as const;
export type FormField = keyof typeof LABELS;
export type FormErrors = Partial<Record<FormField, string>>;

/** What the form posts, as text (documents and steps one a line). */
export type LocalForm = Record<Exclude<FormField, 'channels'>, string> & { channels: SubmissionChannel[] };

/** A new procedure's form: empty, filed in person at the commune. */
export const EMPTY_LOCAL_FORM: LocalForm = {
  ...(Object.fromEntries(Object.keys(LABELS).map((k) => [k, ''])) as unknown as LocalForm),
  channels: ['truc_tiep'],
};

/** The commune's note is kept as the procedure's override (as for a national one), not in the procedure. */
const noteField = optionalText(2000);

const lines = (value: string) =>
  value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** The form as posted: every value a trimmed string (generous caps; the schema gives the messages). */
export function readLocalForm(body: Record<string, unknown> | undefined): LocalForm {
  const b = body ?? {};
  const picked = ([] as unknown[]).concat(b.channels ?? []);
  return {
    name: formText(b.name, 1000),
    field: formText(b.field, 1000),
    agency: formText(b.agency, 1000),
    subjects: formText(b.subjects, 2000),
    conditions: formText(b.conditions, 10_000),
    result: formText(b.result, 5000),
    receptionAddress: formText(b.receptionAddress, 2000),
    portalUrl: formText(b.portalUrl, 2000),
    documents: formText(b.documents, 60_000),
    steps: formText(b.steps, 60_000),
    channels: CHANNELS.filter((c) => picked.includes(c)),
    timeText: formText(b.timeText, 1000),
    feeText: formText(b.feeText, 2000),
    note: formText(b.note, 5000),
  };
}

const documentNames = (p: Pick<Procedure, 'documentGroups'>) => p.documentGroups.flatMap((g) => g.documents.map((d) => d.name));

/** A stored procedure (as the commune wrote it, without its override) and its note, as the form shows them. */
export function formOf(p: Procedure, override?: ProcedureOverride): LocalForm {
  const first = p.channels[0];
  return {
    name: p.name,
    field: p.field,
    agency: p.agency,
    subjects: p.subjects,
    conditions: p.conditions,
    result: p.result,
    receptionAddress: p.receptionAddress,
    portalUrl: p.portalUrl,
    documents: documentNames(p).join('\n'),
    steps: p.steps.join('\n'),
    channels: p.channels.map((c) => c.channel),
    timeText: first?.timeText ?? '',
    feeText: first?.feeText ?? '',
    note: override?.note ?? '',
  };
}

/** The form as the API's body: one document group, the one time and fee on every ticked channel. */
function bodyOf(form: LocalForm): z.input<typeof localBody> {
  const documents = lines(form.documents);
  return {
    name: form.name,
    field: form.field,
    agency: form.agency,
    subjects: form.subjects,
    conditions: form.conditions,
    result: form.result,
    receptionAddress: form.receptionAddress,
    portalUrl: form.portalUrl,
    steps: lines(form.steps),
    documentGroups: documents.length ? [{ title: '', documents: documents.map((name) => ({ name })) }] : [],
    channels: form.channels.map((channel) => ({ channel, timeText: form.timeText, feeText: form.feeText })),
  };
}

/** The form field an error of the body belongs to: `documentGroups[0].documents[3].name` is the documents box. */
function formFieldOf(key: string): FormField | undefined {
  const head = key.split(/[[.]/)[0];
  if (head === 'documentGroups') return 'documents';
  if (head === 'channels') return (/\.(timeText|feeText)$/.exec(key)?.[1] as FormField | undefined) ?? 'channels';
  return head in LABELS ? (head as FormField) : undefined;
}

/**
 * The service's input from a valid form. Editing keeps what the form does
 * not show (document groups with their titles and copies, per-channel times
 * and fees, legal basis, all possibly set through the API) as long as staff
 * left that part of the form as it was.
 */
export function parseLocalForm(
  form: LocalForm,
  before?: Procedure,
): { ok: true; input: LocalProcedureInput; note: string } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  const parsed = localBody.safeParse(bodyOf(form));
  if (!parsed.success) {
    for (const [key, message] of Object.entries(fieldErrorsOf(parsed.error))) {
      const field = formFieldOf(key);
      if (field) errors[field] ??= message;
    }
  }
  if (form.channels.length === 0 && (form.timeText || form.feeText))
    errors.channels ??= 'chọn ít nhất một cách nộp để ghi thời hạn và phí';
  const note = noteField.safeParse(form.note);
  if (!note.success) errors.note = note.error.issues[0].message;
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };

  const input = toLocalInput(parsed.data);
  const beforeForm = before && formOf(before);
  const sameDocuments = beforeForm && beforeForm.documents === lines(form.documents).join('\n');
  const sameChannels =
    beforeForm &&
    beforeForm.channels.join() === form.channels.join() &&
    beforeForm.timeText === form.timeText &&
    beforeForm.feeText === form.feeText;
  const opt = (s: string | undefined) => s || undefined;
  return {
    ok: true,
    note: form.note,
    input: {
      ...input,
      field: opt(input.field),
      agency: opt(input.agency),
      subjects: opt(input.subjects),
      conditions: opt(input.conditions),
      result: opt(input.result),
      receptionAddress: opt(input.receptionAddress),
      documentGroups: sameDocuments ? before.documentGroups : input.documentGroups,
      channels: sameChannels ? before.channels : input.channels,
      legalBasis: before?.legalBasis,
    },
  };
}
