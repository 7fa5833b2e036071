import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Progress,
  Result,
  Space,
  Statistic,
  Steps,
  Table,
  Typography,
  Upload,
} from 'antd';
import { useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { urlOf } from '../../../shared/api/contract';
import {
  getImportBadRows,
  getImportProgress,
  getRosterTemplate,
  type RosterImportResult as ImportResult,
  importRoster,
} from '../../../shared/api/persons';
import { UPLOAD_LIMITS } from '../../../shared/api/uploads';
import { ROSTER_COLUMNS } from '../../../shared/roster';
import { hrefOf } from '../../lib/api';

const MAX_MB = UPLOAD_LIMITS.rosterBytes / 1024 / 1024;

function csrf() {
  const c = document.cookie.split('; ').find((x) => x.startsWith('tf_csrf='));
  return c ? decodeURIComponent(c.slice(8)) : '';
}

/** Uploads with XMLHttpRequest (for upload progress) and polls the server's row progress meanwhile. */
function uploadRoster(
  file: File,
  dryRun: boolean,
  onProgress: (p: { uploaded: number; rows: number }) => void,
): Promise<ImportResult> {
  const progressId = crypto.randomUUID();
  let uploaded = 0;
  let rows = 0;
  const timer = setInterval(async () => {
    const r = await fetch(urlOf(getImportProgress, { params: { progressId } })).catch(() => null);
    if (r?.ok) {
      rows = (await r.json()).rows;
      onProgress({ uploaded, rows });
    }
  }, 700);
  return new Promise<ImportResult>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(
      'POST',
      urlOf(importRoster, { query: { dryRun: String(dryRun) as 'true' | 'false', progressId } }),
    );
    xhr.setRequestHeader('x-csrf-token', csrf());
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        uploaded = Math.round((e.loaded / e.total) * 100);
        onProgress({ uploaded, rows });
      }
    };
    xhr.onload = () => {
      clearInterval(timer);
      let body: any;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { message: `服务器返回 ${xhr.status}` };
      }
      if (xhr.status === 200) resolve(body);
      else reject(new Error(body.message ?? `导入失败（${xhr.status}）`));
    };
    xhr.onerror = () => {
      clearInterval(timer);
      reject(new Error('网络错误，上传失败'));
    };
    const fd = new FormData();
    fd.append('file', file);
    xhr.send(fd);
  });
}

/** Upload → dry-run report → confirm → result (with the bad rows for download). */
export function ImportPage() {
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [step, setStep] = useState(0);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState({ uploaded: 0, rows: 0 });
  const [dry, setDry] = useState<ImportResult | null>(null);
  const [done, setDone] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const started = useRef(0);

  const run = async (f: File, dryRun: boolean) => {
    setBusy(true);
    setError(null);
    setProgress({ uploaded: 0, rows: 0 });
    started.current = Date.now();
    try {
      const r = await uploadRoster(f, dryRun, setProgress);
      if (dryRun) {
        setDry(r);
        setStep(1);
      } else {
        setDone(r);
        setStep(2);
        qc.invalidateQueries({ queryKey: ['persons'] });
        qc.invalidateQueries({ queryKey: ['visitors'] });
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const report = (r: ImportResult) => (
    <>
      <Space size={40} style={{ margin: '12px 0', display: 'flex' }}>
        <Statistic title="数据行" value={r.total} />
        <Statistic
          title={r.dryRun ? '将新建' : '已新建'}
          value={r.created}
          valueStyle={{ color: '#237804' }}
        />
        <Statistic
          title={r.dryRun ? '将更新' : '已更新'}
          value={r.updated}
          valueStyle={{ color: '#1f6feb' }}
        />
        <Statistic
          title={r.dryRun ? '将拒绝' : '未导入'}
          value={r.rejectedCount}
          valueStyle={{ color: '#cf1322' }}
        />
      </Space>
      {r.rejectedCount > 0 && (
        <>
          <Space style={{ marginBottom: 8 }}>
            <Typography.Text strong>
              {r.rejectedCount > r.rejected.length
                ? `共 ${r.rejectedCount} 行有问题${r.dryRun ? '，导入时将跳过' : '，未导入'}；下面列出前 ${r.rejected.length} 行，全部请下载：`
                : `以下行有问题${r.dryRun ? '，导入时将跳过' : '，未导入'}：`}
            </Typography.Text>
            {r.badRowsToken && (
              <Button
                icon={<DownloadOutlined />}
                href={hrefOf(getImportBadRows, { params: { token: r.badRowsToken } })}
                data-testid="bad-rows-download"
              >
                下载问题行（.xlsx，含原因）
              </Button>
            )}
          </Space>
          <Table
            rowKey="row"
            size="small"
            dataSource={r.rejected}
            pagination={{ pageSize: 20, showSizeChanger: false }}
            columns={[
              { title: '行号', dataIndex: 'row', width: 80 },
              { title: '列', dataIndex: 'column', width: 160 },
              { title: '原因', dataIndex: 'message' },
            ]}
            data-testid="rejected-table"
          />
        </>
      )}
    </>
  );

  return (
    <div style={{ maxWidth: 1000 }}>
      <Typography.Title level={4}>导入花名册</Typography.Title>
      <Steps
        current={step}
        style={{ marginBottom: 24 }}
        items={[{ title: '上传文件' }, { title: '检查结果' }, { title: '导入完成' }]}
      />
      {error && (
        <Alert
          type="error"
          showIcon
          message={error}
          style={{ marginBottom: 16 }}
          data-testid="import-error"
        />
      )}
      {busy && (
        <div style={{ marginBottom: 16 }}>
          <Typography.Text>上传</Typography.Text>
          <Progress percent={progress.uploaded} size="small" />
          <Typography.Text type="secondary">
            服务器已处理 {progress.rows} 行（{Math.round((Date.now() - started.current) / 1000)} 秒）
          </Typography.Text>
        </div>
      )}
      {step === 0 && (
        <>
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 16 }}
            message="请使用花名册模板（.xlsx）。表头可在标题行下方；列名可用常见写法（如 身份证号 / 公民身份号码、镇街、村居）。同一身份证号码再次导入会更新原档案。先检查，确认后再导入。"
            description={`列：${ROSTER_COLUMNS.map((c) => c.label).join('、')}`}
          />
          <Space style={{ marginBottom: 16 }}>
            <Button icon={<DownloadOutlined />} href={hrefOf(getRosterTemplate)}>
              下载模板
            </Button>
          </Space>
          <Upload.Dragger
            accept=".xlsx"
            maxCount={1}
            showUploadList={!!file}
            beforeUpload={(f) => {
              if (f.size > MAX_MB * 1024 * 1024) {
                message.error(`文件超过 ${MAX_MB} MB，请按镇街拆分后分批导入`);
                return Upload.LIST_IGNORE;
              }
              setFile(f);
              run(f, true);
              return false;
            }}
            onRemove={() => setFile(null)}
            disabled={busy}
            data-testid="roster-upload"
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p>点击或拖入花名册 .xlsx 文件（不超过 {MAX_MB} MB），先做检查，不会写入</p>
          </Upload.Dragger>
        </>
      )}
      {step === 1 && dry && (
        <>
          <Alert
            type={dry.rejectedCount ? 'warning' : 'success'}
            showIcon
            message={`检查完成：${file?.name}。确认后才会写入。`}
          />
          {report(dry)}
          <Space style={{ marginTop: 16 }}>
            <Button
              type="primary"
              disabled={busy || dry.created + dry.updated === 0}
              loading={busy}
              onClick={() => file && run(file, false)}
              data-testid="confirm-import"
            >
              确认导入 {dry.created + dry.updated} 行
            </Button>
            <Button
              disabled={busy}
              onClick={() => {
                setStep(0);
                setDry(null);
                setFile(null);
              }}
            >
              重新选择文件
            </Button>
          </Space>
        </>
      )}
      {step === 2 && done && (
        <>
          <Result
            status={done.rejectedCount ? 'warning' : 'success'}
            title={`导入完成：新建 ${done.created} 人，更新 ${done.updated} 人${done.rejectedCount ? `，${done.rejectedCount} 行未导入` : ''}`}
            extra={[
              <Button key="list" type="primary" onClick={() => navigate('/persons')}>
                查看对象档案
              </Button>,
              <Button
                key="again"
                onClick={() => {
                  setStep(0);
                  setDry(null);
                  setDone(null);
                  setFile(null);
                }}
              >
                继续导入
              </Button>,
            ]}
          />
          {report(done)}
        </>
      )}
    </div>
  );
}
