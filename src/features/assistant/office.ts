/**
 * Whether a message asks about the office itself (its hours, address, phone, where it is), read on folded text
 * (no diacritics, lower case, words separated by single spaces). Such a message gets the commune's contact card;
 * anything else goes on to the procedures.
 */

/** Words of the office questions below: who asks, the office's units, its opening hours. */
const ASKER = '(em |toi |tui |minh |chau )';
const OFFICE_UNIT = 'ubnd|uy ban|bo phan mot cua|mot cua';
const OPENING = '(mo cua|dong cua|nghi trua|lam viec|tiep dan)';

/**
 * Hours asked: "giờ làm việc", "mấy giờ mở cửa", "thứ 7 có làm việc không", "ngoài giờ xã có làm không". These
 * words also come with a procedure ("khai sinh cho con ngoài giờ làm việc được không") or another office ("chi cục
 * thuế mở cửa mấy giờ"), so they count only with the office named or nothing but the hours said (`HOURS_ONLY`).
 */
const HOURS_ASKED = [
  /\b(gio lam viec|lich lam viec|lam viec thu (bay|7))\b/,
  new RegExp(String.raw`\b(thu (bay|7)|chu nhat|ngay le|ngoai gio( hanh chinh)?|buoi trua)\b.*\b${OPENING}\b`),
  new RegExp(String.raw`\bmay gio\b.*\b${OPENING}\b|\b${OPENING}\b.*\bmay gio\b`),
];
/** The commune's office named as what is asked about. */
const OFFICE_NAMED = new RegExp(String.raw`\b(xa|phuong|thi tran|${OFFICE_UNIT}|trung tam phuc vu hanh chinh cong)\b`);
/** Words an hours question is made of, with who asks and the particles around it: nothing else is said. */
const HOURS_ONLY = new Set(
  (
    'gio lam viec lich tiep dan thu bay 7 chu nhat ngay le ngoai hanh chinh buoi sang chieu trua toi may mo dong cua ' +
    'nghi luc tu den bao nhieu co khong ko k hong hok ha vay a ak ad oi nhe nha nhi the nao cho hoi xin em toi tui ' +
    'minh chau anh chi la hom nay mai'
  ).split(' '),
);
const saysOnlyHours = (folded: string) => folded.split(' ').every((w) => HOURS_ONLY.has(w));

/**
 * The address, phone or place asked: "Địa chỉ", "số điện thoại", "mấy giờ" or "ở đâu" inside another question
 * ("đổi địa chỉ hộ kinh doanh", "đăng ký sang tên ở đâu", "ghi địa chỉ xã nào", "xe buýt mấy giờ chạy") is a
 * procedure question, one for elsewhere, or not ours, so these match the whole message.
 */
const PLACE_ASKED = [
  // "cho xin số điện thoại", "địa chỉ nộp hồ sơ", "sđt của xã là gì", "hotline": the whole message is the request.
  new RegExp(
    String.raw`^((cho )?${ASKER}?(hoi|xin) )?(dia chi|so dien thoai|sdt|hotline|so lien he)( lien he| nop ho so| tiep nhan ho so)?` +
      String.raw`(( cua)? (xa|phuong|${OFFICE_UNIT})( minh| nay| ta)?)?( la gi| la bao nhieu| bao nhieu| o dau)?( vay| a| voi| nhe| nha| ad)*$`,
  ),
  // "xã ở đâu", "UBND xã Hòa Phú nằm ở đâu ạ", "cho hỏi trụ sở phường ở đâu".
  new RegExp(
    String.raw`^((cho ${ASKER}?)?hoi )?((tru so|van phong|${OFFICE_UNIT}|uy ban nhan dan|trung tam phuc vu hanh chinh cong|nha van hoa) )?` +
      String.raw`((xa|phuong|thi tran)( [a-z]+){0,3})?( nam)? ?o dau( vay| a| nhi| the)*$`,
  ),
];

/** A change to a record ("đổi địa chỉ trụ sở", "ghi sai số điện thoại"): a procedure question, whatever it names. */
const RECORD_CHANGE = /\b(doi|thay doi|cap nhat|sai|dinh chinh|sua|dieu chinh|hieu dinh)\b/;

/** The office itself asked about, in folded text. */
export function officeAsked(folded: string): boolean {
  if (RECORD_CHANGE.test(folded)) return false;
  if (PLACE_ASKED.some((re) => re.test(folded))) return true;
  return HOURS_ASKED.some((re) => re.test(folded)) && (OFFICE_NAMED.test(folded) || saysOnlyHours(folded));
}
