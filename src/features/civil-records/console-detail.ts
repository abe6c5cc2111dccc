import { CHANNEL_LABELS, csrfField } from '../../core/console-kit.js';
import { formatLocalDateVi, formatMoneyVi, formatShortDateTimeVi } from '../../core/format-vi.js';
import { html } from '../../core/html.js';
import { actorOf, principalAllows, type ConsoleContext } from '../../core/staff.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { signedCopyCard } from './console-upload.js';
import { DECIDE } from './http.js';
import { KIND_LABELS, type RecordKind } from './records.js';
import { NEEDS_EVIDENCE } from './request-evidence.js';
import { currentCopy, findCandidates, findRequest, listAttachments, listCopies } from './service.js';

/**
 * The page of one copy request in the "Bản sao hộ tịch" console: what the
 * resident asked, the register entries that may match, the copies issued and
 * the decision forms. Opening it is audited.
 */

export type Flash = { kind: 'ok' | 'error'; text: string };

export const STATUS_LABELS: Record<string, string> = {
  pending: 'Chờ duyệt',
  approved: 'Đã duyệt',
  delivered: 'Đã gửi bản sao',
  rejected: 'Từ chối',
  cancelled: 'Đã hủy',
};
const RELATIONSHIP_LABELS: Record<string, string> = {
  self: 'Chính người có tên trên giấy',
  guardian: 'Cha, mẹ hoặc người giám hộ',
  authorised: 'Người được ủy quyền',
  relative: 'Người thân có giấy tờ chứng minh',
  agency: 'Cơ quan, tổ chức có công văn',
};
const DELIVERY_LABELS: Record<string, string> = {
  chat: 'Qua tin nhắn',
  counter: 'Tại bộ phận một cửa',
  post: 'Qua bưu điện',
};
const sizeLabel = (bytes: number) =>
  bytes >= 1_048_576 ? `${(bytes / 1_048_576).toFixed(1).replace('.', ',')} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;

/** "Tệp PDF “giay-uy-quyen.pdf” (application/pdf, 1,5 MB) · gửi qua Telegram". */
function attachmentLabel(a: { kind: string; name: string | null; mimeType: string; size: number | null; channel: string }) {
  const what = `${a.kind === 'pdf' ? 'Tệp PDF' : 'Ảnh chụp'}${a.name ? ` “${a.name}”` : ''}`;
  return `${what} (${a.mimeType}${a.size ? `, ${sizeLabel(a.size)}` : ''}) · gửi qua ${CHANNEL_LABELS[a.channel] ?? a.channel}`;
}

export async function detailPage(db: Db, ctx: ConsoleContext, id: number, flash?: Flash, status?: number) {
  const r = await findRequest(db, ctx.communeId, id);
  if (!r) {
    ctx.render({
      title: 'Không tìm thấy',
      status: 404,
      body: html`<h1>Không tìm thấy yêu cầu</h1>
        <p><a href="/console/civil-records">Về danh sách</a></p>`,
    });
    return;
  }
  const [candidates, copies, copy, attachments] = await Promise.all([
    findCandidates(db, r),
    listCopies(db, r.id),
    currentCopy(db, r.id),
    listAttachments(db, r.id),
  ]);
  await writeAudit(db, {
    communeId: ctx.communeId,
    actor: actorOf(ctx.principal),
    action: 'civil-request.viewed',
    subject: r.code,
  });
  const decide = principalAllows(ctx.principal, DECIDE);
  const yes = (b: boolean) => (b ? html`<span class="tag">khớp</span>` : html`<span class="tag late">không khớp</span>`);
  ctx.render({
    title: `Yêu cầu ${r.code}`,
    flash,
    status,
    body: html`<p><a href="/console/civil-records">← Bản sao hộ tịch</a></p>
      <h1>Yêu cầu ${r.code}</h1>
      <p class="muted">
        ${CHANNEL_LABELS[r.channel] ?? r.channel} · gửi lúc ${formatShortDateTimeVi(r.createdAt)} ·
        <span class="tag">${STATUS_LABELS[r.status]}</span>
      </p>
      <div class="card">
        <h2>Yêu cầu</h2>
        <div class="table-wrap">
          <table>
            <tr>
              <th scope="row">Loại giấy</th>
              <td>${KIND_LABELS[r.kind as RecordKind]} (bản sao)</td>
            </tr>
            <tr>
              <th scope="row">Người có tên trên giấy</th>
              <td>${r.subjectName}</td>
            </tr>
            <tr>
              <th scope="row">Ngày (sinh, kết hôn hoặc mất)</th>
              <td>${formatLocalDateVi(r.subjectDate)}</td>
            </tr>
            <tr>
              <th scope="row">Số đăng ký</th>
              <td>${r.registerNumber ?? 'không nhớ'}</td>
            </tr>
            <tr>
              <th scope="row">Người yêu cầu là</th>
              <td>${RELATIONSHIP_LABELS[r.relationship]}</td>
            </tr>
            ${
              NEEDS_EVIDENCE.has(r.relationship) || attachments.length
                ? html`<tr>
                    <th scope="row">Giấy tờ chứng minh</th>
                    <td>
                      ${
                        attachments.length
                          ? html`<ul>
                              ${attachments.map(
                                (a) =>
                                  html`<li>
                                    ${attachmentLabel(a)} ·
                                    <a href="/console/civil-records/${r.id}/evidence/${a.id}" target="_blank" rel="noopener"
                                      >${a.kind === 'pdf' ? 'Tải tệp' : 'Xem ảnh'}</a
                                    >
                                  </li>`,
                              )}
                            </ul>`
                          : html`<span class="tag wait">chưa có giấy tờ</span> không có tệp gửi qua tin nhắn; đối chiếu bản giấy
                              khi người yêu cầu đến nhận`
                      }
                    </td>
                  </tr>`
                : ''
            }
            <tr>
              <th scope="row">Số căn cước người yêu cầu</th>
              <td>${r.requesterIdNumber ?? 'đã xóa'}</td>
            </tr>
            <tr>
              <th scope="row">Số điện thoại</th>
              <td>
                ${r.phone ?? 'đã xóa'}
                ${r.phoneVerified ? html`<span class="tag">nền tảng đã xác minh</span>` : html`<span class="tag wait">chưa xác minh</span>`}
              </td>
            </tr>
            <tr>
              <th scope="row">Số bản, lệ phí</th>
              <td>${r.copies} bản · ${formatMoneyVi(r.feeAmount)} · ${r.paidAt ? 'đã nộp' : 'chưa nộp'}</td>
            </tr>
            <tr>
              <th scope="row">Nhận bản sao</th>
              <td>${DELIVERY_LABELS[r.deliveryMode]}${r.postAddress ? ` — ${r.postAddress}` : ''}</td>
            </tr>
            <tr>
              <th scope="row">Đồng ý xử lý dữ liệu</th>
              <td>${formatShortDateTimeVi(r.consentAt)}</td>
            </tr>
            ${
              r.reason
                ? html`<tr>
                    <th scope="row">Lý do từ chối</th>
                    <td>${r.reason}</td>
                  </tr>`
                : ''
            }
          </table>
        </div>
      </div>
      ${
        r.status === 'pending'
          ? html`<div class="card">
                <h2>Đăng ký hộ tịch tìm thấy</h2>
                ${
                  copy?.source === 'uploaded'
                    ? html`<p class="flash ok">
                        Đã có bản sao có chữ ký số tải lên: khi duyệt, tệp này được gửi thay cho bản sao do hệ thống tạo.
                        <a href="/console/civil-records/${r.id}/pdf">Xem tệp</a>
                      </p>`
                    : ''
                }
                ${
                  candidates.length === 0
                    ? html`<p class="muted">Không tìm thấy đăng ký nào khớp tên hoặc số đăng ký trong sổ của xã.</p>`
                    : ''
                }
                ${
                  decide && candidates.length
                    ? html`<form method="post" action="/console/civil-records/${r.id}/approve">
                        ${csrfField(ctx)}
                        <fieldset>
                          <legend>Chọn đăng ký để cấp bản sao</legend>
                          ${candidates.map(
                            (c) =>
                              html`<label class="candidate">
                                <input type="radio" name="recordId" value="${c.record.id}" required />
                                Số ${c.record.number}, quyển ${c.record.book}, đăng ký
                                ${formatLocalDateVi(c.record.registeredOn)}:
                                ${c.record.persons
                                  .filter((p) => p.role !== 'father' && p.role !== 'mother')
                                  .map((p) => p.fullName)
                                  .join(' – ')}
                                (ngày ${formatLocalDateVi(c.record.eventDate)}) · tên ${yes(c.nameMatches)} · ngày
                                ${yes(c.dateMatches)} · CCCD ${yes(c.idMatches)}
                              </label>`,
                          )}
                        </fieldset>
                        <label><input type="checkbox" name="paid" value="1" /> Đã thu lệ phí ${formatMoneyVi(r.feeAmount)}</label>
                        <div class="actions"><button type="submit">Duyệt và cấp bản sao</button></div>
                      </form>`
                    : candidates.map(
                        (c) =>
                          html`<p>
                            Số ${c.record.number}, quyển ${c.record.book} · tên ${yes(c.nameMatches)} · ngày ${yes(c.dateMatches)}
                            · CCCD ${yes(c.idMatches)}
                          </p>`,
                      )
                }
              </div>
              ${decide ? signedCopyCard(ctx, r.id) : ''}
              ${
                decide
                  ? html`<div class="card">
                      <h2>Từ chối</h2>
                      <form method="post" action="/console/civil-records/${r.id}/reject">
                        ${csrfField(ctx)}
                        <label for="reason">Lý do (gửi cho người dân)</label>
                        <textarea id="reason" name="reason" required maxlength="1000"></textarea>
                        <div class="actions"><button class="danger" type="submit">Từ chối yêu cầu</button></div>
                      </form>
                    </div>`
                  : ''
              }`
          : ''
      }
      ${
        copy
          ? html`<div class="card">
              <h2>Bản sao</h2>
              <p><a href="/console/civil-records/${r.id}/pdf">Xem bản sao (PDF)</a></p>
              ${
                decide && !r.paidAt
                  ? html`<form method="post" action="/console/civil-records/${r.id}/payment">
                      ${csrfField(ctx)}<button type="submit">Ghi nhận đã nộp lệ phí</button>
                    </form>`
                  : ''
              }
              ${
                decide && r.status === 'delivered' && r.deliveryMode === 'chat'
                  ? html`<form method="post" action="/console/civil-records/${r.id}/resend">
                      ${csrfField(ctx)}
                      <div class="actions"><button class="secondary" type="submit">Gửi lại bản sao</button></div>
                    </form>`
                  : ''
              }
              ${
                decide && r.status === 'approved' && r.paidAt && r.deliveryMode !== 'chat'
                  ? html`<form method="post" action="/console/civil-records/${r.id}/handed-over">
                      ${csrfField(ctx)}
                      <div class="actions">
                        <button type="submit">
                          ${r.deliveryMode === 'post' ? 'Đã gửi bưu điện' : 'Đã trao bản sao tại quầy'}
                        </button>
                      </div>
                    </form>`
                  : ''
              }
              ${
                decide
                  ? html`<form
                      method="post"
                      action="/console/civil-records/${r.id}/revoke"
                      data-confirm="Thu hồi bản sao? Mã QR trên bản sao sẽ không còn xác minh được."
                    >
                      ${csrfField(ctx)}
                      <div class="actions"><button class="secondary" type="submit">Thu hồi bản sao</button></div>
                    </form>`
                  : ''
              }
            </div>`
          : copies.length
            ? html`<p class="card muted">Bản sao của yêu cầu này đã bị thu hồi.</p>`
            : ''
      }
      ${
        decide && (r.requesterIdNumber || r.phone)
          ? html`<div class="card">
              <h2>Dữ liệu cá nhân</h2>
              <p class="muted">
                Khi người dân đề nghị xóa dữ liệu (Luật 91/2025/QH15), hoặc không cần lưu nữa: xóa số căn cước, số điện thoại, địa
                chỉ và họ tên trong yêu cầu. Yêu cầu đang chờ sẽ bị hủy. Bản sao đã cấp vẫn được lưu để xác minh.
              </p>
              <form
                method="post"
                action="/console/civil-records/${r.id}/erase"
                data-confirm="Xóa dữ liệu cá nhân của yêu cầu này? Không thể hoàn tác."
              >
                ${csrfField(ctx)}
                <div class="actions"><button class="secondary" type="submit">Xóa dữ liệu cá nhân</button></div>
              </form>
            </div>`
          : ''
      }`,
  });
}
