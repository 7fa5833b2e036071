import { Space } from 'antd';
import { useState } from 'react';
import * as careApi from '../../../shared/api/care';
import { can } from '../../../shared/roles';
import { hrefOf } from '../../lib/api';
import { useSession } from '../../lib/session';
import { FullNumbersModal, withReason } from '../common/full-numbers';

/**
 * The agreement's two documents: printed with masked numbers by anyone who may read it; a role that
 * may see full numbers also gets the signature copy (签字版: the parties' full ID numbers and
 * phone), after stating a purpose — the print goes into the audit log first (issue 26).
 */
export function PrintLinks(props: { agreementId: number; short?: boolean }) {
  const { me } = useSession();
  const [full, setFull] = useState<null | 'agreement' | 'pledge'>(null);
  const params = { params: { id: props.agreementId } };
  const links = {
    agreement: hrefOf(careApi.printAgreement, params),
    pledge: hrefOf(careApi.printPledge, params),
  };
  const names = {
    agreement: props.short ? '协议' : '打印协议',
    pledge: props.short ? '承诺书' : '打印承诺书',
  };
  const allowed = !!me && can(me.roles, 'persons.sensitive');
  return (
    <Space size={4} wrap>
      {(['agreement', 'pledge'] as const).map((k) => (
        <a key={k} href={links[k]} target="_blank" rel="noreferrer">
          {names[k]}
        </a>
      ))}
      {allowed &&
        (['agreement', 'pledge'] as const).map((k) => (
          <a key={`full-${k}`} onClick={() => setFull(k)} title="打印含完整身份证号码和电话的签字版">
            {props.short ? `${names[k]}签字版…` : `${names[k]}（签字版）…`}
          </a>
        ))}
      <FullNumbersModal
        open={full !== null}
        title={
          full === 'pledge' ? '打印诚信承诺书签字版（完整号码）' : '打印委托照料服务协议签字版（完整号码）'
        }
        okText="打印"
        note="签字版印有各方完整身份证号码和电话，供签字存档。请写明用途：打印将先记入审计日志。签字版不带打印人水印。"
        onOk={(reason) => {
          const k = full ?? 'agreement';
          setFull(null);
          window.open(withReason(links[k], reason), '_blank', 'noopener');
        }}
        onCancel={() => setFull(null)}
      />
    </Space>
  );
}
