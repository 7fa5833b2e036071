import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { UPLOAD_LIMITS } from '../../../shared/api/uploads.js';
import type { Queryable } from '../../db/db.js';
import { scratchPath } from '../../http/uploads.js';
import ExcelJS, { printLayout, sheetValue, XLSX_MIME } from '../../lib/xlsx.js';
import * as repo from './repo.js';

/** The name the rejected rows download under. */
export const BAD_ROWS_FILE_NAME = '未导入的行.xlsx';

/**
 * The rejected rows of an import. The answer lists the first `UPLOAD_LIMITS.rejectedShown` and counts
 * all of them, so it does not grow with the file; every one of them goes (as it was in the file, plus
 * 错误列 and 原因) to a scratch .xlsx while the import runs, which `finish()` moves into the database,
 * where any server process hands it to the user who ran the import (`repo.getFile`, owner only).
 */
export class Rejections {
  readonly shown: { row: number; column: string; message: string }[] = [];
  count = 0;
  private wb?: ExcelJS.stream.xlsx.WorkbookWriter;
  private ws?: ExcelJS.Worksheet;
  private path?: string;
  private readonly token = randomUUID();
  private header: string[] = [];

  /** The column titles of the file's header row, for the download (before the first `add`). */
  setHeader(header: string[]) {
    this.header = header;
  }

  async add(row: number, values: string[], column: string, message: string) {
    this.count++;
    if (this.shown.length < UPLOAD_LIMITS.rejectedShown) this.shown.push({ row, column, message });
    if (!this.wb) {
      this.path = await scratchPath('.xlsx');
      this.wb = new ExcelJS.stream.xlsx.WorkbookWriter({
        filename: this.path,
        useStyles: false,
        useSharedStrings: false,
      });
      this.ws = this.wb.addWorksheet('未导入的行', printLayout(1, 1));
      this.ws.addRow(['原行号', ...this.header, '错误列', '原因'].map(sheetValue)).commit();
    }
    const width = Math.max(this.header.length, values.length);
    // As they were in the file, but text that would run as a formula once saved as CSV neutralised.
    this.ws!.addRow(
      [row, ...Array.from({ length: width }, (_, i) => values[i] ?? ''), column, message].map(sheetValue),
    ).commit();
  }

  /** Stores the workbook for its owner and answers its token, or null when no row was rejected. */
  async finish(q: Queryable, ownerId: number, now: Date): Promise<string | null> {
    if (!this.wb) return null;
    try {
      this.ws!.commit();
      await this.wb.commit();
      await repo.putFile(q, {
        token: this.token,
        ownerId,
        name: BAD_ROWS_FILE_NAME,
        contentType: XLSX_MIME,
        bytes: await readFile(this.path!),
        now,
      });
      return this.token;
    } finally {
      await rm(this.path!, { force: true });
    }
  }

  /** Removes the scratch file without storing it (the import failed as a whole). */
  async discard() {
    if (!this.path) return;
    try {
      this.ws?.commit();
      await this.wb?.commit();
    } catch {
      // The file is removed either way.
    }
    await rm(this.path, { force: true });
  }
}
