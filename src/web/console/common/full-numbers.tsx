import { Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { EXPORT_REASON_LIMITS } from '../../../shared/api/export-reason';

/** The export guard's minimum purpose length (the contract's `ExportReason`). */
export const MIN_REASON = EXPORT_REASON_LIMITS.min;

/**
 * Asks the purpose of an export with full ID numbers and phones (PIPL: a stated purpose, logged and
 * printed on every page of the file). `onOk` gets the purpose; the caller adds it as `reason=`.
 */
export function FullNumbersModal(props: {
  open: boolean;
  title: string;
  onOk: (reason: string) => void;
  onCancel: () => void;
  /** What happens with the file (default: an export watermarked on every page). */
  note?: string;
  okText?: string;
}) {
  const [reason, setReason] = useState('');
  const ok = reason.trim().length >= MIN_REASON;
  return (
    <Modal
      open={props.open}
      title={props.title}
      okText={props.okText ?? '导出'}
      okButtonProps={{ disabled: !ok }}
      onOk={() => {
        props.onOk(reason.trim());
        setReason('');
      }}
      onCancel={props.onCancel}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">
        {props.note ??
          '完整号码属敏感个人信息：请写明本次用途。导出将记入审计日志，文件每页带有您的姓名、时间和用途水印。'}
      </Typography.Paragraph>
      <Input.TextArea
        rows={2}
        maxLength={EXPORT_REASON_LIMITS.max}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        placeholder={`用途，例如：核对一卡通发放名单（至少 ${MIN_REASON} 个字）`}
        aria-label="导出用途"
      />
    </Modal>
  );
}

/** `url` with `reason=` added. */
export const withReason = (url: string, reason: string) =>
  `${url}${url.includes('?') ? '&' : '?'}reason=${encodeURIComponent(reason)}`;
