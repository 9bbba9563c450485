/* Memória compartilhada entre dois processos, com as chamadas da aula.
 * Uso: troca NOME_MC NOME_PRONTO NOME_RESPOSTA
 * Abre (ou cria) o segmento NOME_MC e dois semáforos; escreve uma mensagem direto na memória,
 * avisa com sem_post(pronto), espera a resposta com sem_wait(resposta) e a lê no byte 100.
 * Nenhum read()/write() carrega os dados: os dois processos veem os mesmos bytes. */
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define TAM 4096

int main(int argc, char *argv[]) {
    if (argc != 4) {
        fprintf(stderr, "uso: %s NOME_MC NOME_PRONTO NOME_RESPOSTA\n", argv[0]);
        return 2;
    }
    int fd = shm_open(argv[1], O_CREAT | O_RDWR, 0600);        /* o segmento: um nome em /dev/shm */
    if (fd < 0) { perror("shm_open"); return 1; }
    if (ftruncate(fd, TAM) < 0) { perror("ftruncate"); return 1; }   /* o tamanho do segmento */
    char *mc = mmap(NULL, TAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);  /* mapeado na memória */
    if (mc == MAP_FAILED) { perror("mmap"); return 1; }
    close(fd);                                                 /* o mapeamento continua valendo */

    sem_t *pronto = sem_open(argv[2], O_CREAT, 0600, 0);
    sem_t *resposta = sem_open(argv[3], O_CREAT, 0600, 0);
    if (pronto == SEM_FAILED || resposta == SEM_FAILED) { perror("sem_open"); return 1; }

    snprintf(mc, 100, "olá do processo C %d", (int) getpid());  /* escreve direto na memória */
    sem_post(pronto);                                          /* avisa: os dados estão prontos */
    sem_wait(resposta);                                        /* dorme até o outro lado responder */
    printf("C (PID %d) leu da memória compartilhada: %s\n", (int) getpid(), mc + 100);

    munmap(mc, TAM);
    sem_close(pronto);
    sem_close(resposta);
    return 0;
}
